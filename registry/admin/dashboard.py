"""The back-office home: the figures elected officials ask for, as tables, charts and spreadsheets."""

from __future__ import annotations

import itertools
import time
from datetime import date, datetime

import sqlalchemy as sa
from flask import Response, abort, current_app, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import orm as so

from registry.admin.base import SecureIndexView
from registry.admin.charts import grouped_bars, horizontal_bars
from registry.admin.flask_admin_overrides import views_of
from registry.admin.xlsx import table_to_xlsx
from registry.downloads import XLSX_MIMETYPE
from registry.extensions import db
from registry.services.accounts.abilities import WRITE, has_ability
from registry.services.history.display import PARIS
from registry.services.history.review import count_pending
from registry.services.public.versions import data_version
from registry.services.reference.normalize import format_money
from registry.services.reporting import dashboard as figures

#: Each figure of the dashboard by its key (also its spreadsheet's name).
FIGURES = {
    "acteurs-axes-quartiers": figures.actors_by_axis_and_quartier,
    "initiatives-axes-quartiers": figures.initiatives_by_axis_and_quartier,
    "partenariats-annees-axes": figures.partnership_amounts_by_year_and_axis,
    "prets-programmes-trimestres": figures.loans_by_programme_and_quarter,
    "secteurs-strategiques": figures.strategic_sectors_share,
    "partenariats-a-renouveler": lambda s: figures.partnerships_ending(s, current_app.config["RENEWAL_WINDOW_DAYS"]),
    "agrements-esus": lambda s: figures.esus_expiring(s, current_app.config["RENEWAL_WINDOW_DAYS"]),
}


#: Seconds the figures are reused: a write in this process refreshes them at once; a write served by another
#: worker shows within this delay. Aggregating 200,000 partnerships on every visit would not be reasonable.
CACHE_SECONDS = 60
_cache: dict = {}
_generation = itertools.count()
_current_generation = [0]


@sa.event.listens_for(so.Session, "after_flush")
def _data_changed(session, flush_context) -> None:
    _current_generation[0] = next(_generation) + 1


def _tables(session) -> tuple[dict[str, figures.Table], datetime]:
    """Every figure, computed by the database at most once per CACHE_SECONDS (and after each local write)."""
    version = data_version(session)  # moved by a write through any app server (Redis) or read from the database
    key = (id(current_app._get_current_object()), str(session.get_bind().url), version)
    cached = _cache.get(key) if version is not None else None
    now = time.monotonic()
    if cached and cached[0] == _current_generation[0] and now - cached[1] < CACHE_SECONDS:
        return cached[2], cached[3]
    tables = {name: build(session) for name, build in FIGURES.items()}
    _cache.clear()  # one entry per app and database: older versions are dead
    _cache[key] = (_current_generation[0], now, tables, datetime.now(PARIS))
    return tables, _cache[key][3]


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".", ",")


def charts(tables: dict[str, figures.Table]) -> dict:
    """One SVG chart per figure, drawn from the same tables as the HTML and the spreadsheets."""
    actors = tables["acteurs-axes-quartiers"]
    per_axis = [(row[0], row[-1], str(row[-1])) for row in actors.rows[:-1]]
    amounts = tables["partenariats-annees-axes"]
    recent = amounts.rows[-8:]
    axis_names = amounts.headers[1:-2]
    loans = tables["prets-programmes-trimestres"]
    quarters = sorted({row[1] for row in loans.rows})[-8:]
    programmes = sorted({row[0] for row in loans.rows})
    by_key = {(row[0], row[1]): row[3] for row in loans.rows}
    sectors = tables["secteurs-strategiques"]
    return {
        "actors": horizontal_bars("Acteurs par axe", per_axis),
        "amounts": grouped_bars(
            "Montants des partenariats par année et par axe",
            [str(row[0]) for row in recent],
            [(name, [row[1 + i] for row in recent]) for i, name in enumerate(axis_names)],
            format_money,
        ),
        "loans": grouped_bars(
            "Montant des prêts accordés par trimestre",
            quarters,
            [(p, [by_key.get((p, q), 0) for q in quarters]) for p in programmes],
            format_money,
        )
        if loans.rows
        else None,
        "sectors": horizontal_bars(
            "Part des montants de partenariats par secteur stratégique",
            [(r[0], r[4], f"{_percent(r[4])} des montants, {_percent(r[2])} des acteurs") for r in sectors.rows],
            maximum=1.0,
        ),
    }


def record_url(link: str | None) -> str | None:
    """'partnership:12' → the record's back-office page."""
    if not link:
        return None
    endpoint, _, ident = link.partition(":")
    return url_for(f"{endpoint}.details_view", id=ident)


class DashboardView(SecureIndexView):
    """Back-office home: actors and initiatives per axis and quartier, amounts, loans, sectors, renewals."""

    def review_url(self) -> str | None:
        """The review queue, when the user may open it."""
        for view in views_of(self.admin):
            if getattr(view, "is_review_queue", False) and view.is_accessible():
                return url_for(f"{view.endpoint}.index_view")
        return None

    @expose("/")
    def index(self):
        session = db.session
        tables, computed_at = _tables(session)
        window = current_app.config["RENEWAL_WINDOW_DAYS"]
        pending = count_pending(session) if has_ability(current_user, WRITE) else None
        return self.render(
            "admin/dashboard.html",
            tables=tables,
            charts=charts(tables),
            window=window,
            pending=pending,
            record_url=record_url,
            review_url=self.review_url(),
            computed_at=computed_at,
            today=date.today(),
        )

    @expose("/tableau/<key>.xlsx")
    def table_xlsx(self, key: str):
        """One dashboard table as a spreadsheet."""
        if key not in FIGURES:
            abort(404)
        table = _tables(db.session)[0][key]
        filename = f"{key}-{date.today():%Y-%m-%d}.xlsx"
        return Response(
            table_to_xlsx(table),
            mimetype=XLSX_MIMETYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

"""The back-office home: the figures elected officials ask for, as tables, charts and spreadsheets."""

from __future__ import annotations

import dataclasses
import time
from datetime import date, datetime

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from registry.admin.base import SecureIndexView
from registry.admin.flask_admin_overrides import views_of
from registry.admin.xlsx import table_to_xlsx
from registry.downloads import XLSX_MIMETYPE
from registry.extensions import db
from registry.services.accounts.abilities import EXPORT, WRITE, has_ability
from registry.services.connectors.checks import closed_establishments, positions_to_check
from registry.services.history.as_of import parse_day, registry_as_of
from registry.services.history.display import PARIS
from registry.services.history.review import count_pending
from registry.services.public.publication import count_pending_conventions
from registry.services.public.reports import count_open_reports
from registry.services.public.versions import data_version
from registry.services.reporting import dashboard as figures
from registry.services.reporting.charts import amounts_caption, dashboard_charts
from registry.services.reporting.digest import RECIPIENT_ROLES, is_subscribed, set_subscription
from registry.services.reporting.facts import generation
from registry.services.reporting.filters import Filters, choices, parse_filters

#: Each figure of the dashboard by its key (also its spreadsheet's name).
FIGURES = {
    "acteurs-axes-quartiers": figures.actors_by_axis_and_quartier,
    "initiatives-axes-quartiers": figures.initiatives_by_axis_and_quartier,
    "partenariats-annees-axes": figures.partnership_amounts_by_year_and_axis,
    "prets-programmes-trimestres": figures.loans_by_programme_and_quarter,
    "secteurs-strategiques": figures.strategic_sectors_share,
    "partenariats-a-renouveler": lambda s, f, today=None: figures.partnerships_ending(
        s, current_app.config["RENEWAL_WINDOW_DAYS"], filters=f, today=today
    ),
    "agrements-esus": lambda s, f, today=None: figures.esus_expiring(
        s, current_app.config["RENEWAL_WINDOW_DAYS"], filters=f, today=today
    ),
}
#: Filter combinations kept in the cache at once (the oldest is dropped).
CACHE_ENTRIES = 64


#: Seconds the figures of one filter combination are reused: a write in this process or through any server (the
#: data version) refreshes them at once. Computing them from the facts (``reporting.facts``) takes milliseconds.
CACHE_SECONDS = 60
_cache: dict = {}


def _tables(session, filters: Filters) -> tuple[dict[str, figures.Table], datetime]:
    """Every figure under ``filters``, computed at most once per CACHE_SECONDS, and again as soon as the data
    version moves (a write through any app server: Redis, or read from the database)."""
    version = data_version(session)
    key = (id(current_app._get_current_object()), str(session.get_bind().url), filters.args, version)
    cached = _cache.get(key) if version is not None else None
    now = time.monotonic()
    if cached and cached[0] == generation() and now - cached[1] < CACHE_SECONDS:
        return cached[2], cached[3]
    tables = {name: build(session, filters) for name, build in FIGURES.items()}
    for old in [k for k in _cache if k[3] != version]:
        del _cache[old]  # older versions are dead
    while len(_cache) >= CACHE_ENTRIES:
        _cache.pop(next(iter(_cache)))
    _cache[key] = (generation(), now, tables, datetime.now(PARIS))
    return tables, _cache[key][3]


def _dated_tables(filters: Filters, day: date) -> tuple[dict[str, figures.Table], datetime]:
    """Every figure under ``filters`` on the registry as of the end of ``day`` (never cached: rebuilt each time),
    renewals counted from that day."""
    with registry_as_of(db.session, day) as snap:
        tables = {}
        for name, build in FIGURES.items():
            dated = name in ("partenariats-a-renouveler", "agrements-esus")
            tables[name] = build(snap.session, filters, today=day) if dated else build(snap.session, filters)
    return tables, datetime.now(PARIS)


def _figures(filters: Filters, day: date | None) -> tuple[dict[str, figures.Table], datetime]:
    return _dated_tables(filters, day) if day else _tables(db.session, filters)


def record_url(link: str | None) -> str | None:
    """'partnership:12' → the record's back-office page."""
    if not link:
        return None
    endpoint, _, ident = link.partition(":")
    return url_for(f"{endpoint}.details_view", id=ident)


class DashboardView(SecureIndexView):
    """Back-office home: actors and initiatives per axis and quartier, amounts, loans, sectors, renewals."""

    #: The one POST here (the renewal digest opt-in) is for those who write: officers and admins.
    write_ability = WRITE

    def review_url(self) -> str | None:
        """The review queue, when the user may open it."""
        for view in views_of(self.admin):
            if getattr(view, "is_review_queue", False) and view.is_accessible():
                return url_for(f"{view.endpoint}.index_view")
        return None

    @expose("/")
    def index(self):
        session = db.session
        filters = parse_filters(session, request.args)
        day, day_error = parse_day(request.args.get("date"))
        tables, computed_at = _figures(filters, day)
        filter_args = dict(filters.args) | ({"date": f"{day:%d/%m/%Y}"} if day else {})
        window = current_app.config["RENEWAL_WINDOW_DAYS"]
        writer = has_ability(current_user, WRITE)
        pending = count_pending(session) if writer else None
        return self.render(
            "admin/dashboard.html",
            tables=tables,
            charts=dashboard_charts(tables, filters, today=day),
            amounts_caption=amounts_caption(filters, day or date.today()),
            filters=filters,
            filter_args=filter_args,
            day=day,
            day_error=day_error,
            choices=choices(session),
            request_args=request.args,
            window=window,
            pending=pending,
            pending_conventions=count_pending_conventions(session),
            may_export=has_ability(current_user, EXPORT),
            open_reports=count_open_reports(session) if writer else 0,
            closed_establishments=closed_establishments(session) if writer else [],
            positions_to_check=positions_to_check(session) if writer else [],
            record_url=record_url,
            digest=is_subscribed(session, current_user) if current_user.role in RECIPIENT_ROLES else None,
            review_url=self.review_url(),
            computed_at=computed_at,
            today=day or date.today(),
        )

    @expose("/tableau/<key>.xlsx")
    def table_xlsx(self, key: str):
        """One dashboard table as a spreadsheet."""
        if key not in FIGURES:
            abort(404)
        filters = parse_filters(db.session, request.args)
        day, _error = parse_day(request.args.get("date"))
        table = _figures(filters, day)[0][key]
        if filters.active:
            table = dataclasses.replace(table, note=f"{table.note} Filtres : {filters.description}.".strip())
        if day:
            table = dataclasses.replace(table, note=f"{table.note} Registre à la date du {day:%d/%m/%Y}.".strip())
        suffix = ("-filtre" if filters.active else "") + (f"-au-{day:%Y-%m-%d}" if day else "")
        filename = f"{key}{suffix}-{date.today():%Y-%m-%d}.xlsx"
        return Response(
            table_to_xlsx(table),
            mimetype=XLSX_MIMETYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @expose("/rappels", methods=["POST"])
    def digest_subscription(self):
        """Opt in or out of the weekly « À renouveler » e-mail (officers and admins)."""
        if not has_ability(current_user, self.write_ability) or current_user.role not in RECIPIENT_ROLES:
            abort(403)
        wanted = request.form.get("recevoir") == "oui"
        set_subscription(db.session, current_user, wanted)
        db.session.commit()
        if wanted:
            flash("Vous recevrez « À renouveler » chaque semaine par e-mail.", "success")
        else:
            flash("Vous ne recevrez plus « À renouveler » par e-mail.", "success")
        return redirect(url_for(".index") + "#renouveler")

"""« Registre à une date »: the lists of actors, initiatives and partnerships as they stood at the end of a day,
and the workbook export of that registry (officers, analysts and admins)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from registry.admin.base import SecureBaseView
from registry.downloads import audited_download
from registry.extensions import db
from registry.models import Actor, Initiative, Partnership
from registry.services.accounts.abilities import EXPORT, has_ability
from registry.services.history.as_of import parse_day, registry_as_of
from registry.workbook.exporter import export_registry

#: Rows shown per list on the page (the export holds them all).
SHOWN = 200


def _lists(session) -> dict:
    """Each list: (title, total, first rows as tuples)."""
    actors = sa.select(Actor.slug, Actor.name, Actor.status).order_by(Actor.name)
    initiatives = sa.select(Initiative.slug, Initiative.title, Initiative.status, Initiative.archived_at).order_by(
        Initiative.title
    )
    partnerships = sa.select(Partnership.ref, Partnership.object, Partnership.status, Partnership.amount).order_by(
        Partnership.ref
    )
    out = {}
    for key, title, query, model in (
        ("acteurs", "Acteurs", actors, Actor),
        ("initiatives", "Initiatives", initiatives, Initiative),
        ("partenariats", "Partenariats", partnerships, Partnership),
    ):
        total = session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        out[key] = (title, total, list(session.execute(query.limit(SHOWN))))
    return out


class AsOfView(SecureBaseView):
    """Pick a day; see the three lists as they were at its end; download that registry as a workbook."""

    @expose("/")
    def index(self):
        day, error = parse_day(request.args.get("date"))
        if error:
            flash(error, "error")
        lists = undone = None
        if day:
            with registry_as_of(db.session, day) as snap:
                lists, undone = _lists(snap.session), snap.events_undone
        return self.render(
            "admin/as_of.html",
            day=day,
            typed=(request.args.get("date") or "").strip()[:20],
            lists=lists,
            undone=undone,
            shown=SHOWN,
            can_export=has_ability(current_user, EXPORT),
        )

    @expose("/export.xlsx")
    def download(self):
        """The workbook of the registry as of the day (no Contacts sheet: the past shows no personal data)."""
        if not has_ability(current_user, EXPORT):
            abort(403)
        day, error = parse_day(request.args.get("date"))
        if day is None:
            flash(error or "Indiquez une date, par exemple 31/12/2025.", "error")
            return redirect(url_for(".index"))
        out = io.BytesIO()
        with registry_as_of(db.session, day) as snap:
            export_registry(snap.session, out, include_personal=False)
        label = f"Registre à la date du {day:%d/%m/%Y}"
        name = f"registre-ess-au-{day:%Y-%m-%d}.xlsx"
        return audited_download(db.session, out, name, user=current_user, source="admin", label=label)

"""Back office: visitors' error reports (« Signaler une erreur »), beside the review queue: read, fix the record,
mark handled. The optional e-mail is personal data: shown to users who may read it."""

from __future__ import annotations

from flask import flash, url_for
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup

from registry.admin.audit import ReadOnlyView
from registry.services.accounts.abilities import READ_PERSONAL, WRITE, has_ability
from registry.services.history.display import format_datetime
from registry.services.public.reports import mark_handled, open_clause
from registry.services.reference.nouns import agree, number

ENDPOINTS = {"Actor": "actor", "Initiative": "initiative"}


def _record(view, context, model, name):
    endpoint = ENDPOINTS.get(model.entity_type)
    if endpoint is None:
        return model.record_label
    return Markup('<a href="{}">{}</a>').format(
        url_for(f"{endpoint}.edit_view", id=model.entity_id), model.record_label
    )


def _email(view, context, model, name):
    if not model.email:
        return "—"
    if not has_ability(current_user, READ_PERSONAL):
        return "(adresse donnée, réservée aux agents)"
    return Markup('<a href="mailto:{0}">{0}</a>').format(model.email)


class CitizenReportView(ReadOnlyView):
    """The open reports of visitors, oldest first; « Marquer comme traité » closes them."""

    is_review_queue = False
    required_ability = WRITE
    column_list = ("created_at", "entity_type", "record_label", "message", "email")
    column_labels = {
        "created_at": "Reçu le", "entity_type": "Fiche", "record_label": "Acteur ou initiative",
        "message": "Signalement", "email": "Adresse électronique",
    }  # fmt: skip
    column_default_sort = [("created_at", False), ("id", False)]
    column_searchable_list = ("record_label", "message")
    column_filters = ()
    column_formatters = {
        "created_at": lambda v, c, m, n: format_datetime(m.created_at),
        "entity_type": lambda v, c, m, n: {"Actor": "Acteur", "Initiative": "Initiative"}.get(m.entity_type, ""),
        "record_label": _record,
        "email": _email,
    }
    can_view_details = False

    def scope_query(self, query):
        return super().scope_query(query).filter(open_clause())

    def is_action_allowed(self, name: str) -> bool:
        return name == "handled" and self.writable

    @action("handled", "Marquer comme traité")
    def action_handled(self, ids):
        count = mark_handled(self.db_session, self.records_for_ids(ids), current_user)
        self.db_session.commit()
        flash(f"{number(count, 'signalement')} {agree('marqué', count)} comme {agree('traité', count)}.", "success")

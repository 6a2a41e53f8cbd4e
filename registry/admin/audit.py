"""Back office: the audit trail and import batches (read-only), and the review queue of partner changes."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.admin.history import entity_name, event_changes, source_name, visible_events_clause
from registry.models import AuditAction, AuditEvent, ImportBatch, ImportStatus
from registry.services.accounts.abilities import WRITE
from registry.services.history.display import format_datetime
from registry.services.history.reverts import revert_event, revertible
from registry.services.history.review import mark_reviewed, pending_clause
from registry.services.records.editing import MERGE_KEY
from registry.services.records.errors import ValidationError
from registry.services.reference.labels import ENTITY_NAMES, SOURCES, field_labels
from registry.services.reference.nouns import agree, number

#: Record types that have a back-office page, by audited entity type.
ENTITY_ENDPOINTS = {
    "Actor": "actor",
    "Initiative": "initiative",
    "LoanProgramme": "loanprogramme",
    "LoanReport": "loanreport",
    "Partnership": "partnership",
}


def _entity(view, context, model, name):
    label = f"{entity_name(model.entity_type)} « {model.entity_label} »"
    endpoint = ENTITY_ENDPOINTS.get(model.entity_type)
    target_id = model.entity_id
    if model.entity_type == "Contact" and model.actor_id:
        endpoint, target_id = "actor", model.actor_id
    if endpoint and target_id and model.action != AuditAction.DELETE:
        return Markup('<a href="{}">{}</a>').format(url_for(f"{endpoint}.details_view", id=target_id), label)
    return label


def _changes(view, context, model, name):
    rows = event_changes(model)
    if not rows:
        return ""
    body = Markup("").join(
        Markup("<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>").format(r.field, r.before, r.after)
        for r in rows
    )
    return Markup(
        "<table class='table table-sm table-bordered mb-0'><thead><tr><th scope='col'>Champ</th>"
        "<th scope='col'>Avant</th><th scope='col'>Après</th></tr></thead><tbody>{}</tbody></table>"
    ).format(body)


def _fields(view, context, model, name):
    return ", ".join(r.field for r in event_changes(model))


class ReadOnlyView(SecureModelView):
    """Nobody creates, edits or deletes these records from the back office."""

    allow_create = False
    allow_edit = False
    allow_delete = False


#: The words of the review queue's buttons, also its column headers.
REVERT = "Rétablir"
REVERT_QUESTION = "Rétablir les valeurs d'avant cette modification ? Le rétablissement figurera au journal."
REVIEWED = "Marquer comme relu"


def _revert_button(view, context, model, name):
    if not view.can_revert(model):
        return ""
    return Markup(
        '<form method="post" action="{}" class="d-inline">'
        '<input type="hidden" name="csrf_token" value="{}"><input type="hidden" name="id" value="{}">'
        '<input type="hidden" name="url" value="{}">'
        '<button type="submit" class="btn btn-sm btn-outline-danger" title="Remettre les valeurs d\'avant" '
        'data-confirm="{}">{}</button></form>'
    ).format(view.get_url(".revert_view"), generate_csrf(), model.id, request.full_path, REVERT_QUESTION, REVERT)


def _reviewed_button(view, context, model, name):
    """« Marquer comme relu » for one row: Flask-Admin's bulk action, posted for this event alone."""
    if not view.is_action_allowed("reviewed"):
        return ""
    return Markup(
        '<form method="post" action="{}" class="d-inline">'
        '<input type="hidden" name="csrf_token" value="{}"><input type="hidden" name="action" value="reviewed">'
        '<input type="hidden" name="rowid" value="{}"><input type="hidden" name="url" value="{}">'
        '<button type="submit" class="btn btn-sm btn-outline-primary">{}</button></form>'
    ).format(view.get_url(".action_view"), generate_csrf(), model.id, request.full_path, REVIEWED)


class RevertMixin:
    """« Rétablir » on an audit event: the values before the change come back through the record's service,
    unless the record changed since (then nothing happens and the officer is told why); audited."""

    def can_revert(self, event) -> bool:
        """For templates: the user may undo this event and it is of a kind that can be undone."""
        return self.writable and revertible(event)

    @expose("/revert/", methods=("POST",))
    def revert_view(self):
        if not self.writable:
            abort(403)
        event = self.get_one(request.form.get("id", ""))
        return_url = get_redirect_target() or self.get_url(".index_view")
        if event is None:
            flash("Cette modification n'existe pas ou ne vous est pas accessible.", "error")
            return redirect(return_url)
        try:
            done = revert_event(self.db_session, event, user=current_user)
        except ValidationError as exc:
            self.db_session.rollback()
            flash(exc.message, "error")
        else:
            self.db_session.commit()
            if MERGE_KEY in done.changes:
                flash(f"Fusion annulée : « {done.changes[MERGE_KEY]['label']} » est rétablie avec tout ce qui l'avait "
                      "suivie ; l'annulation figure au journal.", "success")  # fmt: skip
            else:
                fields = number(len(done.changes), "champ")
                flash(f"Modification rétablie ({fields}) ; l'annulation figure au journal.", "success")
        return redirect(return_url)


class AuditEventView(RevertMixin, ReadOnlyView):
    """Every change, who made it and when; events with contacts' personal data for officers only."""

    details_template = "admin/registry/audit_details.html"

    column_list = ("created_at", "user_label", "source", "action", "entity_type", "entity_label", "changes")
    column_details_list = ("created_at", "user_label", "source", "action", "entity_type", "entity_label",
                           "changes", "batch", "reviewed_at", "reviewed_by")  # fmt: skip
    column_default_sort = [("created_at", True), ("id", True)]
    column_sortable_list = ("created_at", "user_label", "source", "action", "entity_type")
    column_searchable_list = ("entity_label", "user_label")
    column_formatters = {
        "entity_type": lambda v, c, m, n: entity_name(m.entity_type),
        "entity_label": _entity,
        "source": lambda v, c, m, n: source_name(m.source),
        "changes": _fields,
    }
    column_formatters_detail = {**column_formatters, "changes": _changes}
    column_filters = (
        f.equals(AuditEvent.entity_type, "Type de fiche", tuple(ENTITY_NAMES.items()), parse=str),
        f.equals(AuditEvent.action, "Action", AuditAction.choices(), parse=AuditAction),
        f.equals(AuditEvent.source, "Origine", tuple(SOURCES.items()), parse=str),
        f.ClauseFilter(AuditEvent.user_label, "Par", lambda v: AuditEvent.user_label.ilike(f"%{v}%"), "contient"),
        f.equals(AuditEvent.entity_id, "Numéro de fiche", None),
        *f.year_of(AuditEvent.created_at, "Année"),
    )

    def scope_query(self, query):
        return query.filter(visible_events_clause())


class ReviewQueueView(AuditEventView):
    """Partner changes waiting for an officer: read them, then mark them reviewed."""

    is_review_queue = True
    required_ability = WRITE
    column_list = ("created_at", "user_label", "entity_type", "entity_label", "changes", "reviewed", "revert")
    column_default_sort = [("created_at", False), ("id", False)]
    column_formatters = {**AuditEventView.column_formatters, "changes": _changes, "reviewed": _reviewed_button,
                         "revert": _revert_button}  # fmt: skip
    column_filters = ()
    column_searchable_list = ("entity_label", "user_label")

    def __init__(self, model, session=None, **kwargs):
        self.column_labels = {**field_labels(model.__name__), "reviewed": REVIEWED, "revert": REVERT}
        super().__init__(model, session, **kwargs)

    def scope_query(self, query):
        return super().scope_query(query).filter(pending_clause())

    def is_action_allowed(self, name: str) -> bool:
        return name == "reviewed" and self.writable

    @action("reviewed", REVIEWED)
    def action_reviewed(self, ids):
        count = mark_reviewed(self.db_session, self.records_for_ids(ids), current_user)
        self.db_session.commit()
        flash(
            (
                f"{number(count, 'modification')} {agree('marqué', count, feminine=True)} "
                f"comme {agree('relu', count, feminine=True)}."
            ),
            "success",
        )


class ImportBatchView(ReadOnlyView):
    """Workbook imports: file, who, when, counts and outcome."""

    column_list = ("created_at", "user_label", "filename", "status", "error_count", "warning_count", "finished_at")
    column_default_sort = [("created_at", True), ("id", True)]
    column_searchable_list = ("filename", "user_label")
    column_filters = (f.equals(ImportBatch.status, "Statut", ImportStatus.choices(), parse=ImportStatus),)
    column_formatters = {"finished_at": lambda v, c, m, n: format_datetime(m.finished_at)}
    column_exclude_list = ("file_hash",)
    #: The kept file and report are the import page's (``workbook.staging``), not a detail to show.
    column_details_exclude_list = ("kept_file", "report_json")

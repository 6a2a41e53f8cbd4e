"""How the back office writes: validation by the shared services, the version check, the audit trail.

Every model view saves through ``create_model`` / ``update_model`` / ``delete_model`` below, so a record is
always cleaned by its ``clean_*`` service, checked against the version its form was opened at, and
recorded field by field in the audit, in one transaction committed once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, flash, g, request
from flask_admin.form import SecureForm
from flask_login import current_user
from flask_wtf.csrf import _FlaskFormCSRF
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from registry.admin.values import display_value
from registry.models import AuditAction, AuditEvent
from registry.services.history.audit import diff, json_value, record_event, snapshot
from registry.services.records.archive import dependents_of
from registry.services.records.errors import ValidationErrors
from registry.services.reference.labels import field_label

log = logging.getLogger(__name__)

SOURCE = "admin"
TECHNICAL_FIELDS = ("row_version", "opened_state")


class RegistryForm(SecureForm):
    """Flask-Admin's CSRF-protected form, with Flask-WTF's token (the one CSRFProtect checks on every POST and
    that Flask-Admin's templates also print), so the two never disagree. The technical hidden fields are
    never copied onto the record."""

    class Meta:
        csrf = True
        csrf_class = _FlaskFormCSRF

        @property
        def csrf_secret(self):
            return current_app.config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)

        @property
        def csrf_field_name(self):
            return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

        @property
        def csrf_time_limit(self):
            return current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)

    def populate_obj(self, obj) -> None:
        for name, form_field in self._fields.items():
            if name not in TECHNICAL_FIELDS:
                form_field.populate_obj(obj, name)


@dataclass
class Conflict:
    """What another writer changed since a form was opened, shown instead of saving."""

    changes: list[tuple[str, str, str]] = field(default_factory=list)
    entered: list[tuple[str, str]] = field(default_factory=list)
    by: str | None = None
    at: object = None


def describe_conflict(session, model, opened: dict | None, entered: dict) -> Conflict:
    """What changed in ``model`` since its state ``opened`` (unsealed from the form), what the user typed that
    differs from the current values (``entered``: {field: JSON value}), and who changed it last. Shared by the
    back office and the partner space."""
    current = snapshot(model)
    model_class = type(model)
    model_name = model_class.__name__
    conflict = Conflict()
    if opened is not None:
        conflict.changes = [
            (field_label(model_name, k), display_value(model_class, k, a), display_value(model_class, k, b))
            for k, (a, b) in diff(opened, current).items()
        ]
    for name, value in entered.items():
        if name not in current:
            continue
        if value != current[name] and not (value in ("", None, []) and current[name] in ("", None, [])):
            conflict.entered.append((field_label(model_name, name), display_value(model_class, name, value)))
    event = session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.entity_type == model_name, AuditEvent.entity_id == model.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is not None:
        conflict.by, conflict.at = event.user_label or event.source, event.created_at
    return conflict


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="admin-opened-state")


def seal(state: dict) -> str:
    """The record's state when a form is opened, signed, to travel in a hidden field."""
    return _serializer().dumps(state)


def unseal(token: str | None) -> dict | None:
    """The state sealed in a form, or None when absent or tampered with."""
    if not token:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, dict) else None


class EditingMixin:
    """Create, update, delete, archive: validated, version-checked, audited."""

    #: The ``clean_*(session, obj)`` service of the model (None: the form's own checks only).
    cleaner = None
    #: One-to-many children edited inline and audited as their own records: {relationship: clean function}.
    audited_children: dict = {}

    # -- forms -------------------------------------------------------------------------------------------
    def get_edit_form(self):
        form_class = super().get_edit_form()
        if not hasattr(self.model, "version"):
            return form_class

        class VersionedForm(form_class):
            row_version = HiddenField()
            opened_state = HiddenField()

        return VersionedForm

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and hasattr(form, "row_version") and request.method == "GET":
            self._stamp(form, obj)
        return form

    def _stamp(self, form, obj) -> None:
        """Put the record's version and state in the form's hidden fields."""
        form.row_version.data = str(obj.version)
        form.row_version.raw_data = None
        form.opened_state.data = seal(snapshot(obj))
        form.opened_state.raw_data = None

    # -- audit -------------------------------------------------------------------------------------------
    def audit_state(self, model) -> tuple[dict, dict]:
        """The record's snapshot and, per audited child relationship, {child id: snapshot}."""
        children = {
            rel: {child.id: snapshot(child) for child in getattr(model, rel) if child.id is not None}
            for rel in self.audited_children
        }
        return snapshot(model), children

    def record_changes(self, model, before, after, action=AuditAction.UPDATE) -> bool:
        """Audit events for the record and its children; True when anything changed."""
        session = self.db_session
        changes = diff(before[0], after[0])
        changed = bool(changes)
        if changes or action != AuditAction.UPDATE:
            record_event(session, action=action, source=SOURCE, user=current_user, obj=model, changes=changes)
        for rel in self.audited_children:
            old, new = before[1].get(rel, {}), after[1].get(rel, {})
            for child in getattr(model, rel):
                if child.id is not None and child.id in new and child.id in old:
                    child_changes = diff(old[child.id], new[child.id])
                    if child_changes:
                        record_event(
                            session,
                            action=AuditAction.UPDATE,
                            source=SOURCE,
                            user=current_user,
                            obj=child,
                            changes=child_changes,
                        )
                        changed = True
                elif child.id is None or child.id not in old:
                    record_event(
                        session,
                        action=AuditAction.CREATE,
                        source=SOURCE,
                        user=current_user,
                        obj=child,
                        changes=diff({}, snapshot(child)),
                    )
                    changed = True
            for child_id in set(old) - set(new):
                self._record_child_deleted(model, rel, child_id, old[child_id])
                changed = True
        return changed

    def _record_child_deleted(self, model, rel: str, child_id: int, state: dict) -> None:
        """Audit the removal of an inline child (it no longer exists to take its fields from)."""
        record_event(
            self.db_session,
            action=AuditAction.DELETE,
            source=SOURCE,
            user=current_user,
            entity_type=self._child_type(rel),
            entity_id=child_id,
            entity_label=str(state.get("full_name") or state.get("name") or f"n° {child_id}"),
            actor_id=model.id,
            changes=diff(state, {}),
        )

    def _child_type(self, rel: str) -> str:
        return getattr(self.model, rel).property.mapper.class_.__name__

    def _children_after(self, model) -> dict:
        def gone(child) -> bool:
            state = sa.inspect(child)
            return state.deleted or state.was_deleted or child in self.db_session.deleted

        return {
            rel: {c.id: snapshot(c) for c in getattr(model, rel) if c.id is not None and not gone(c)}
            for rel in self.audited_children
        }

    # -- validation --------------------------------------------------------------------------------------
    def clean(self, model) -> None:
        """Run the model's service (raises ValidationErrors) and its inline children's."""
        errors: dict[str, str] = dict(g.pop("_inline_errors", {}))
        if self.cleaner is not None:
            try:
                type(self).cleaner(self.db_session, model)
            except ValidationErrors as exc:
                errors = {**exc.errors, **errors}
        if errors:
            raise ValidationErrors(errors)

    def show_errors(self, form, exc: ValidationErrors) -> None:
        """Put each French message on its form field; messages for fields not on the form are flashed."""
        model_name = self.model.__name__
        for name, message in exc.errors.items():
            target = form._fields.get(name) or form._fields.get(name.removesuffix("_id"))
            if target is not None and name not in self.audited_children:
                target.errors = [*list(target.errors or []), message]
            else:
                flash(f"{field_label(model_name, name)} : {message}", "error")
        flash("La fiche n'a pas été enregistrée : corrigez les champs signalés.", "error")

    # -- writes ------------------------------------------------------------------------------------------
    def create_model(self, form):
        session = self.db_session
        try:
            model = self.build_new_instance()
            form.populate_obj(model)
            session.add(model)
            self.clean(model)
            self._on_model_change(form, model, True)
            session.flush()
            self.record_changes(model, ({}, {}), (snapshot(model), self._children_after(model)), AuditAction.CREATE)
            session.commit()
        except ValidationErrors as exc:
            session.rollback()
            self.show_errors(form, exc)
            return False
        except IntegrityError:
            session.rollback()
            flash("Enregistrement impossible : une autre fiche porte déjà cette valeur unique.", "error")
            return False
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model) -> bool:
        session = self.db_session
        if hasattr(form, "row_version") and not self.check_version(form, model):
            return False
        before = self.audit_state(model)
        try:
            form.populate_obj(model)
            self.clean(model)
            self._on_model_change(form, model, False)
            session.flush()  # registry.services.records.versioning moves the version even when only links changed
            self.record_changes(model, before, (snapshot(model), self._children_after(model)))
            session.commit()
        except ValidationErrors as exc:
            session.rollback()
            self.show_errors(form, exc)
            return False
        except StaleDataError:
            session.rollback()
            self.report_conflict(
                form, model, opened=unseal(getattr(form, "opened_state", None) and form.opened_state.data)
            )
            return False
        except IntegrityError:
            session.rollback()
            flash("Enregistrement impossible : une autre fiche porte déjà cette valeur unique.", "error")
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model) -> bool:
        session = self.db_session
        blockers = dependents_of(session, model)
        if blockers:
            what = ", ".join(f"{n} {label}" for label, n in blockers.items())
            hint = ""
            if self.archived_clause is not None:
                hint = " Archivez-la plutôt : elle quittera les listes par défaut et le site public."
            flash(f"« {model} » n'a pas été supprimée car d'autres fiches en dépendent : {what}.{hint}", "error")
            return False
        try:
            before = self.audit_state(model)
            record_event(
                session,
                action=AuditAction.DELETE,
                source=SOURCE,
                user=current_user,
                obj=model,
                changes=diff(before[0], {}),
            )
            for rel in self.audited_children:
                for child_id, state in before[1][rel].items():
                    self._record_child_deleted(model, rel, child_id, state)
            session.delete(model)
            session.commit()
        except IntegrityError:
            session.rollback()
            flash(f"« {model} » n'a pas été supprimée : d'autres fiches en dépendent.", "error")
            return False
        self.after_model_delete(model)
        return True

    # -- version check -----------------------------------------------------------------------------------
    def check_version(self, form, model) -> bool:
        """True when the form was opened at the record's current version; otherwise report the conflict."""
        submitted = (form.row_version.data or "").strip()
        if submitted.isdigit() and int(submitted) == model.version:
            return True
        self.report_conflict(form, model, opened=unseal(form.opened_state.data))
        return False

    def report_conflict(self, form, model, opened: dict | None) -> None:
        """Nothing is saved: show what changed since the form was opened, and the form with current values."""
        entered = {
            name: json_value(form_field.data)
            for name, form_field in form._fields.items()
            if name not in TECHNICAL_FIELDS and getattr(form_field, "raw_data", None) is not None
        }
        g.admin_conflict = describe_conflict(self.db_session, model, opened, entered)
        form.process(formdata=None, obj=model)
        for form_field in form:
            form_field.errors = []
        self._stamp(form, model)
        flash(
            "Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : rien n'a été "
            "enregistré.",
            "error",
        )

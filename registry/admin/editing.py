"""How the back office writes: every create, edit, delete and bulk archive of a model view is the one audited,
version-checked write of ``registry.services.records.editing``; this mixin only builds its input from the form
and turns what it raises into form messages, flashes and the conflict table."""

from __future__ import annotations

from flask import current_app, flash, request
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext
from flask_admin.form import SecureForm
from flask_login import current_user
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, TextAreaField

from registry.models import AuditAction
from registry.services.records import editing
from registry.services.records.archive import archive_record, dependents_of, restore_record
from registry.services.records.errors import ValidationErrors
from registry.services.reference.labels import field_label

SOURCE = "admin"
#: The hidden field carrying the record's sealed state as the form was opened (version inside).
OPENED_FIELD = "opened_state"
TECHNICAL_FIELDS = (OPENED_FIELD,)
#: Form fields that are answers to a warning, never copied onto the record.
CONFIRMATION_PREFIX = "confirm_"
#: Flask-Admin's message for a unique value already taken (its Unique validator).
ALREADY = lazy_gettext("Already exists.")
DUPLICATE = "Enregistrement impossible : une autre fiche porte déjà cette valeur unique."


def _lf_line_breaks(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _replaceable(form_field) -> bool:
    """A field without message, or with only Flask-Admin's « already exists »: the service's message, which names
    the record holding the value, takes its place."""
    return [str(e) for e in form_field.errors or []] in ([], [str(ALREADY)])


class RegistryForm(SecureForm):
    """Flask-Admin's CSRF-protected form, with Flask-WTF's token (the one CSRFProtect checks on every POST and
    that Flask-Admin's templates also print), so the two never disagree. The technical hidden fields are
    never copied onto the record; ``conflict`` holds the description of a refused save, for the template."""

    conflict: editing.ConflictDescription | None = None

    class Meta:
        csrf = True

        def bind_field(self, form, unbound_field, options):
            # A browser sends a textarea's line breaks as CRLF: stored as LF, an unchanged text stays unchanged.
            if issubclass(unbound_field.field_class, TextAreaField):
                filters = (*unbound_field.kwargs.get("filters", ()), _lf_line_breaks)
                return unbound_field.bind(form=form, **{**options, "filters": filters})
            return unbound_field.bind(form=form, **options)

        csrf_class = _FlaskFormCSRF  # Flask-WTF internal, listed in registry/admin/flask_admin_overrides.py

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
        for form_field in self:
            name = form_field.short_name
            if name not in TECHNICAL_FIELDS and not name.startswith(CONFIRMATION_PREFIX):
                form_field.populate_obj(obj, name)


def inline_entry(form, relation: str, child_id, position):
    """The sub-form of the inline list ``relation`` editing the child ``child_id`` (or, for a child being added,
    the ``position``-th new row); None when the form has no such row."""
    rows = form[relation].entries if relation in form else []
    if child_id is not None:
        return next((row for row in rows if str(row.get_pk() or "") == str(child_id)), None)
    added = [row for row in rows if not row.get_pk() and not form[relation].should_delete(row)]
    return added[position] if position is not None and position < len(added) else None


class EditingMixin:
    """Create, update, delete, archive: the one write, its messages on the form."""

    #: The ``clean_*(session, obj)`` service of the model (None: the form's own checks only).
    cleaner = None
    #: One-to-many children edited inline and audited as their own records: {relationship: clean function}.
    audited_children: dict = {}

    # -- forms -------------------------------------------------------------------------------------------
    def get_edit_form(self):
        form_class = super().get_edit_form()

        class OpenedForm(form_class):
            opened_state = HiddenField()

        return OpenedForm

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and OPENED_FIELD in form and request.method == "GET":
            self.stamp(form, obj)
        return form

    def stamp(self, form, obj) -> None:
        """Put the record's sealed state (its version inside) in the form's hidden field."""
        form[OPENED_FIELD].data = editing.open_state(obj, children=self.audited_children)
        form[OPENED_FIELD].raw_data = None

    def _input(self, form, is_created: bool):
        def apply(model) -> None:
            form.populate_obj(model)
            self.on_model_change(form, model, is_created)

        return apply

    def _write_options(self) -> dict:
        return {
            "user": current_user,
            "source": SOURCE,
            "cleaner": type(self).cleaner,
            "children": self.audited_children,
        }

    def validate_form(self, form) -> bool:
        """Flask-Admin's check of the typed values; when it fails, the record's service checks the values that
        could be read too, so that every message shows at the first submit (not the service's at the second)."""
        valid = super().validate_form(form)
        endpoint = (request.endpoint or "").rpartition(".")[2]
        submitted = request.method == "POST" and endpoint in ("create_view", "edit_view")
        if not valid and submitted and type(self).cleaner is not None:
            self._service_errors(form, request.args.get("id") if endpoint == "edit_view" else None)
        return valid

    def _service_errors(self, form, ident) -> None:
        session = self.db_session
        model = self.get_one(ident) if ident else self.build_new_instance()
        if model is None:
            return
        savepoint = session.begin_nested()
        try:
            with session.no_autoflush:
                for form_field in form:
                    name = form_field.short_name
                    skipped = name in TECHNICAL_FIELDS or name.startswith(CONFIRMATION_PREFIX)
                    if skipped or name in self.audited_children or not _replaceable(form_field):
                        continue
                    try:
                        form_field.populate_obj(model, name)
                    except (TypeError, ValueError, AttributeError):
                        continue
                try:
                    type(self).cleaner(session, model)
                except ValidationErrors as exc:
                    for name, message in exc.errors.items():
                        target = next((form[n] for n in (name, name.removesuffix("_id")) if n in form), None)
                        if target is not None and _replaceable(target):
                            target.errors = [self.linked(message)]
        finally:
            savepoint.rollback()  # nothing of this trial is kept: the record is read again

    # -- messages ----------------------------------------------------------------------------------------
    def show_errors(self, form, exc: ValidationErrors) -> None:
        """Put each French message on its form field (children's on their row); the others are flashed."""
        model_name = self.model.__name__
        for name, message in exc.errors.items():
            target = next((form[n] for n in (name, name.removesuffix("_id")) if n in form), None)
            if target is not None and name not in self.audited_children:
                target.errors = [*list(target.errors or []), self.linked(message)]
            else:
                flash(Markup("{} : {}").format(field_label(model_name, name), self.linked(message)), "error")
        for child in exc.children:
            row = inline_entry(form, child.relation, child.id, child.position)
            for name, message in child.errors.items():
                if row is not None and name in row.form:
                    row.form[name].errors = [*list(row.form[name].errors or []), message]
                else:
                    flash(message, "error")
        flash("La fiche n'a pas été enregistrée : corrigez les champs signalés.", "error")

    def show_conflict(self, form, model, conflict: editing.ConflictDescription) -> None:
        """Nothing was saved: the form comes back with the current values, the table of what changed and a new
        sealed state (saving again after reading it is deliberate)."""
        form.conflict = conflict
        form.process(formdata=None, obj=model)
        for form_field in form:
            form_field.errors = []
        if OPENED_FIELD in form:
            self.stamp(form, model)
        flash(conflict.message, "error")

    # -- writes ------------------------------------------------------------------------------------------
    def create_model(self, form):
        session = self.db_session
        model = self.build_new_instance()
        try:
            editing.create(session, model, apply=self._input(form, True), **self._write_options())
            session.commit()
        except ValidationErrors as exc:
            session.rollback()
            self.show_errors(form, exc)
            return False
        except IntegrityError:
            session.rollback()
            flash(DUPLICATE, "error")
            return False
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model) -> bool:
        session = self.db_session
        opened = form[OPENED_FIELD].data if OPENED_FIELD in form else None
        try:
            editing.save(session, model, apply=self._input(form, False), opened=opened, **self._write_options())
            session.commit()
        except ValidationErrors as exc:
            session.rollback()
            self.show_errors(form, exc)
            return False
        except editing.Conflict as exc:
            session.rollback()
            self.show_conflict(form, model, exc.description)
            return False
        except IntegrityError:
            session.rollback()
            flash(DUPLICATE, "error")
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
            editing.delete(session, model, opened=editing.AS_IS, user=current_user, source=SOURCE,
                           children=self.audited_children)  # fmt: skip
            session.commit()
        except editing.Conflict as exc:
            session.rollback()
            flash(exc.description.message, "error")
            return False
        except IntegrityError:
            session.rollback()
            flash(f"« {model} » n'a pas été supprimée : d'autres fiches en dépendent.", "error")
            return False
        self.after_model_delete(model)
        return True

    # -- bulk archive ------------------------------------------------------------------------------------
    def _bulk(self, ids, change, action_name: AuditAction, participle: str) -> None:
        count = 0
        for record in self.records_for_ids(ids):
            options = {"user": current_user, "source": SOURCE, "action": action_name}
            if editing.save(self.db_session, record, apply=change, opened=editing.AS_IS, **options):
                count += 1
        self.db_session.commit()
        flash(self.noun.counted(count, participle), "success")

    @action("archive", "Archiver", "Archiver les fiches sélectionnées ?")  # named per view: NamedMessages
    def action_archive(self, ids):
        self._bulk(ids, archive_record, AuditAction.ARCHIVE, "archivé")

    @action("restore", "Désarchiver")
    def action_restore(self, ids):
        self._bulk(ids, restore_record, AuditAction.UPDATE, "désarchivé")

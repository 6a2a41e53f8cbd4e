"""Messages that name the record: « Acteur « X » créé. », « Initiative « Z » enregistrée. », and questions that
name its kind: « Supprimer cet acteur ? » (list rows, details page, bulk delete), instead of Flask-Admin's
generic « Fiche créée. » and « Supprimer cette fiche ? ». The nouns and their agreement are in
``registry.services.reference.nouns``.

The named message of a creation or a save is flashed by ``after_model_change`` (the hook every write of the back
office calls on success). Flask-Admin flashes its generic message itself, after the write, in ``create_view``,
``edit_view`` and ``delete_view``: those views are wrapped here, and the generic message the request just flashed
is dropped (or, for a deletion, replaced by the named one) in
Flask's list of flashed messages (``session["_flashes"]``: Flask's private key, with the Flask version checked in
``flask_admin_overrides``).
"""

from __future__ import annotations

from flask import flash, request, session, url_for
from flask_admin import expose
from flask_admin.babel import gettext, ngettext

from registry.admin.flask_admin_overrides import FLASK_FLASHES as FLASHES
from registry.admin.flask_admin_overrides import views_of
from registry.services.records.errors import Mention
from registry.services.reference.nouns import Noun, noun_of


def replace_flash(generic: str, named: str | None) -> None:
    """Replace a generic message flashed by this request by ``named`` (dropped when ``named`` is None)."""
    flashes = session.get(FLASHES)
    if not flashes:
        return
    kept = []
    for category, message in flashes:
        if message == generic:
            if named is None:
                continue
            message = named
        kept.append((category, message))
    session[FLASHES] = kept


class NamedMessages:
    """A model view's success messages and delete questions, in its noun's French."""

    @property
    def noun(self) -> Noun:
        return noun_of(self.model.__name__)

    # -- for templates and actions ------------------------------------------------------------------------
    def delete_question(self) -> str:
        """« Supprimer cet acteur ? Cette action est définitive. » (row buttons, details page)."""
        return self.noun.delete_one()

    def get_actions_list(self):
        actions, confirmations = super().get_actions_list()
        if "delete" in confirmations:
            confirmations["delete"] = self.noun.delete_selected()
        if "archive" in confirmations:
            confirmations["archive"] = self.noun.archive_selected()
        return actions, confirmations

    def archive_question(self) -> str:
        """« Archiver cet acteur ? Il quittera le site public et les listes. » (details page)."""
        return self.noun.archive_one()

    def deleted_count_message(self, count: int) -> str:
        return self.noun.deleted_count(count)

    def linked(self, message):
        """A service's message as the back office shows it: a record it names (a Mention) links to that record's
        form, or its details page for a user who cannot edit it (the plain message when no view of it opens)."""
        if not isinstance(message, Mention):
            return message
        for view in views_of(self.admin):
            model = getattr(view, "model", None)
            if model is not None and model.__name__ == message.entity and view.is_accessible():
                target = "edit_view" if view.can_edit else "details_view"
                return message.linked(url_for(f"{view.endpoint}.{target}", id=message.record_id))
        return message.linked(None)

    # -- the write hook says what was written; Flask-Admin's generic message is dropped ------------------
    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        flash(self.noun.created(model) if is_created else self.noun.saved(model), "success")

    # -- Flask-Admin's views, their generic message replaced ---------------------------------------------
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        response = super().create_view()
        replace_flash(gettext("Record was successfully created."), None)
        return response

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        response = super().edit_view()
        replace_flash(gettext("Record was successfully saved."), None)
        return response

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        # The record's name is read before it is gone; the message is Flask-Admin's, replaced.
        model = self.get_one(request.form.get("id", "")) if request.form.get("id") else None
        name = str(model) if model is not None else None
        response = super().delete_view()
        generic = ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.", 1,
                           count=1)  # fmt: skip
        replace_flash(generic, self.noun.deleted(name) if name is not None else None)
        return response

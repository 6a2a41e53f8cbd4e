"""What a model view lets the signed-in user do, decided on the server at each request from the role (read from the
database): ``can_create/can_edit/can_delete/can_export`` follow ``allow_*`` and the view's abilities, and every
endpoint that writes or exports answers 403 to a role without the right, whatever the page offers."""

from __future__ import annotations

from flask import abort
from flask_admin import expose
from flask_login import current_user

from registry.services.accounts.abilities import EXPORT, has_ability


class ModelRights:
    """The rights of a model view (mixed into SecureModelView, before Flask-Admin's ModelView)."""

    @property
    def writable(self) -> bool:
        """The signed-in user may change this view's records."""
        return has_ability(current_user, self.write_ability)

    @property
    def can_create(self) -> bool:
        return self.allow_create and self.writable

    @can_create.setter
    def can_create(self, value) -> None:  # Flask-Admin assigns defaults at class level; roles decide
        pass

    @property
    def can_edit(self) -> bool:
        return self.allow_edit and self.writable

    @can_edit.setter
    def can_edit(self, value) -> None:
        pass

    @property
    def can_delete(self) -> bool:
        return self.allow_delete and self.writable

    @can_delete.setter
    def can_delete(self, value) -> None:
        pass

    @property
    def can_export(self) -> bool:
        return self.allow_export and has_ability(current_user, EXPORT)

    @can_export.setter
    def can_export(self, value) -> None:
        pass

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            abort(403)
        return super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        if not self.can_edit:
            abort(403)
        return super().edit_view()

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        if not self.can_delete:
            abort(403)
        return super().delete_view()

    @expose("/action/", methods=("POST",))
    def action_view(self):
        if not self.writable:
            abort(403)
        return super().action_view()

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        if not self.can_edit:
            abort(403)
        return super().ajax_update()

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        # Pickers only serve forms: a user who cannot create or edit here has nothing to look up.
        if not (self.can_create or self.can_edit):
            abort(403)
        return super().ajax_lookup()

    @expose("/export/<export_type>/")
    def export(self, export_type):
        if not self.can_export:
            abort(403)
        if export_type == "xlsx" and self.workbook_sheet:
            return self.export_workbook()
        return super().export(export_type)

    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return self.can_delete
        if name in ("archive", "restore") and self.archived_clause is None:
            return False
        return self.can_edit and super().is_action_allowed(name)

"""The secured base of every back-office view: role checks, row scoping, CSRF, no caching."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_login import current_user

from registry.auth.permissions import EXPORT, READ, WRITE, has_ability


class AccessMixin:
    """Role check for every kind of admin view: 403 when signed in without the right, sign-in page otherwise."""

    #: The ability needed to see the view at all.
    required_ability: str = READ

    def is_accessible(self) -> bool:
        return has_ability(current_user, self.required_ability)

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
        abort(403)


class SecureIndexView(AccessMixin, AdminIndexView):
    """The back-office home."""


class SecureBaseView(AccessMixin, BaseView):
    """A custom back-office page (not bound to a model)."""


class SecureModelView(AccessMixin, ModelView):
    """Base of every model view: rights derived from the role, on the server, at each request."""

    form_base_class = SecureForm
    #: The ability needed to create, edit, delete (defaults to WRITE; reference data uses MANAGE_REFERENCE).
    write_ability: str = WRITE
    #: Whether the model allows each operation at all (then the role decides).
    allow_create = True
    allow_edit = True
    allow_delete = True
    allow_export = True
    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100)

    @property
    def can_create(self) -> bool:
        return self.allow_create and has_ability(current_user, self.write_ability)

    @can_create.setter
    def can_create(self, value) -> None:  # Flask-Admin assigns defaults at class level; roles decide
        pass

    @property
    def can_edit(self) -> bool:
        return self.allow_edit and has_ability(current_user, self.write_ability)

    @can_edit.setter
    def can_edit(self, value) -> None:
        pass

    @property
    def can_delete(self) -> bool:
        return self.allow_delete and has_ability(current_user, self.write_ability)

    @can_delete.setter
    def can_delete(self, value) -> None:
        pass

    @property
    def can_export(self) -> bool:
        return self.allow_export and has_ability(current_user, EXPORT)

    @can_export.setter
    def can_export(self, value) -> None:
        pass

    # Row scoping: every way of reaching rows goes through scope_query.
    def scope_query(self, query):
        """Restrict a query to the rows the current user may see (all rows by default)."""
        return query

    def get_query(self):
        return self.scope_query(super().get_query())

    def get_count_query(self):
        return self.scope_query(super().get_count_query())

    def get_one(self, id):
        # Flask-Admin's get_one bypasses get_query: look the row up through the scoped query instead.
        pk = self.model.__mapper__.primary_key[0]
        try:
            ident = pk.type.python_type(id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(pk == ident).one_or_none()

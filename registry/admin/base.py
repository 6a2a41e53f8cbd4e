"""The secured base of every back-office view: role checks, row scoping, lists, history.

Rights are decided on the server at each request from the signed-in user's role (read from the database):
``is_accessible`` guards every URL of a view, and every endpoint that writes (new, edit, delete, bulk
actions, editable list, relation pickers) answers 403 to a role without the write ability, whatever the
page shows (``rights.py``). Rows reach a user only through ``scope_query`` (lists, counts, single records,
pickers, actions). Writes are the one audited, version-checked write (``editing.py``); what the view takes from
Flask-Admin's private internals is in ``flask_admin_overrides.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from registry.admin.editing import EditingMixin, RegistryForm
from registry.admin.exports import WorkbookExportMixin
from registry.admin.filters import ArchiveFilter
from registry.admin.flask_admin_overrides import (
    FlaskAdminOverrides,
    ajax_loaders_of,
    filters_of,
    search_columns,
    views_of,
)
from registry.admin.formatting import EXPORT_FORMATTERS, TYPE_FORMATTERS, RegistryModelConverter
from registry.admin.history import history_events
from registry.admin.lookups import escape_like
from registry.admin.messages import NamedMessages
from registry.admin.rights import ModelRights
from registry.errors import render_error
from registry.extensions import db
from registry.models.base import SortedByName
from registry.services.accounts.abilities import READ, READ_PERSONAL, WRITE, has_ability
from registry.services.outputs.spreadsheet import neutralise_formula
from registry.services.public import fulltext
from registry.services.records.archive import is_archived
from registry.services.reference.labels import field_labels
from registry.services.reference.normalize import fold

#: The highest page number a list URL may ask for (beyond it, the database offset would overflow).
MAX_PAGE = 100_000
NO_SUCH_PAGE = "Cette page de la liste n'existe pas : la liste compte moins de pages."


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


class SecureModelView(
    ModelRights, NamedMessages, WorkbookExportMixin, EditingMixin, FlaskAdminOverrides, AccessMixin, ModelView
):
    """Base of every model view: rights derived from the role, on the server, at each request."""

    form_base_class = RegistryForm
    model_form_converter = RegistryModelConverter
    #: The ability needed to create, edit, delete (defaults to WRITE; reference data uses MANAGE_REFERENCE).
    write_ability: str = WRITE
    #: Whether the model allows each operation at all (then the role decides).
    allow_create = True
    allow_edit = True
    allow_delete = True
    #: List exports: views with a ``workbook_sheet`` export their rows in the workbook format (admin/exports.py).
    allow_export = False
    #: Columns holding contacts' personal data: never listed, detailed or exported without READ_PERSONAL.
    personal_columns: frozenset[str] = frozenset()
    #: SQL clause of archived rows (None: the model is never archived); archived rows leave default lists.
    archived_clause = None
    #: The full-text index searched by the list's search box (actors, initiatives); None: LIKE on the columns.
    fulltext_target = None
    #: Fields the server normalises ({name: longest input}): typed with spaces or dots, longer than stored.
    form_typed_lengths: dict[str, int] = {}
    #: Loader options of list, details and edit queries (selectinload/joinedload: a bounded number of queries).
    query_options: tuple = ()

    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    can_view_details = True
    named_filter_urls = True
    fast_mass_delete = False
    column_display_pk = False
    column_auto_select_related = False  # loading is declared in query_options
    simple_list_pager = False
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS
    list_template = "admin/registry/list.html"
    edit_template = "admin/registry/edit.html"
    create_template = "admin/registry/create.html"
    details_template = "admin/registry/details.html"

    def __init__(self, model, session=None, **kwargs):
        if self.column_labels is None:
            self.column_labels = field_labels(model.__name__)
        super().__init__(model, session or db, **kwargs)
        for loader in ajax_loaders_of(self):
            loader.scope = self.scope_related

    @property
    def db_session(self):
        """The request's SQLAlchemy session."""
        return db.session

    def get_export_value(self, model, name):
        # Flask-Admin's CSV export: text a spreadsheet would run as a formula stays text (SECURITY.md 21).
        value = super().get_export_value(model, name)
        return neutralise_formula(value) if isinstance(value, str) else value

    # -- personal data -----------------------------------------------------------------------------------
    def without_personal(self, columns):
        """A list, details or export column list without ``personal_columns`` for users without READ_PERSONAL."""
        if not self.personal_columns or has_ability(current_user, READ_PERSONAL):
            return columns
        return [c for c in columns if c[0] not in self.personal_columns]

    # -- row scoping -------------------------------------------------------------------------------------
    def scope_query(self, query):
        """Restrict a query to the rows the current user may see (all rows by default)."""
        return query

    def scope_related(self, model, query):
        """Rows of another model a picker of this view may offer: that model's own view rules."""
        for view in views_of(self.admin):
            if isinstance(view, SecureModelView) and view.model is model:
                return view.scope_query(query)
        return query

    def get_query(self):
        # Loader options are added where rows are read (get_list, get_one): a list's workbook export takes the
        # bare query and loads what its sheet needs itself.
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
        return self.get_query().options(*self.query_options).filter(pk == ident).one_or_none()

    # -- lists: archive filter, accent-insensitive search ------------------------------------------------
    def get_filters(self):
        filters = list(super().get_filters() or [])
        if self.archived_clause is not None:
            pk = self.model.__mapper__.primary_key[0]
            filters.append(self.handle_filter(ArchiveFilter(pk, self.archived_clause)))
        return filters or None

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        if page is not None and not 0 <= page <= MAX_PAGE:
            abort(make_response(render_error(404, NO_SUCH_PAGE)))
        filters = list(filters or [])
        known = filters_of(self)
        chosen = any(isinstance(known[idx], ArchiveFilter) for idx, _, _ in filters)
        if self.archived_clause is not None and known and not chosen:
            index = next(i for i, f in enumerate(known) if isinstance(f, ArchiveFilter))
            filters.append((index, "archive", ArchiveFilter.CURRENT))
        count, query = super().get_list(
            page, sort_column, sort_desc, search, filters, execute=False, page_size=page_size
        )
        if page and count is not None and page * (page_size or self.page_size) >= count:
            abort(make_response(render_error(404, NO_SUCH_PAGE)))  # past the last page (a hand-typed or stale URL)
        return (count, query.options(*self.query_options).all()) if execute else (count, query)

    def search_clauses(self, search: str) -> list:
        """The SQL conditions a search puts on the rows (every word must match)."""
        if self.fulltext_target is not None:
            # The public directory's full-text index (FTS5 / PostgreSQL): every word, as a prefix, in one lookup.
            words = fulltext.search_words(search)
            dialect = self.db_session.get_bind().dialect.name
            return [fulltext.match_clause(self.fulltext_target, words, dialect)] if words else []
        words = fold(search).split() if hasattr(self.model, "search_text") else search.split()
        return [self.search_clause(word) for word in words]

    def search_clause(self, word: str):
        """The SQL condition one searched word puts on the rows (all words must match)."""
        searchable = getattr(self.model, "search_text", None)
        if searchable is not None:  # folded text kept up to date on flush: "regie" finds "Régie"
            return searchable.like(f"%{escape_like(fold(word))}%", escape="\\")
        pattern = f"%{escape_like(word)}%"
        return sa.or_(*(column.ilike(pattern, escape="\\") for column in search_columns(self)))

    def sort_field_for(self, sort_field, *, searched: bool):
        """The expression a list sorts on: a name in French order (its folded ``sort_name``: « Économie » between
        « Eau » and « Fabrique »), searched text columns with NOCASE on SQLite."""
        owner = getattr(sort_field, "class_", None)
        if isinstance(owner, type) and issubclass(owner, SortedByName) and sort_field.key == owner.sorted_by:
            sort_field = owner.sort_name
        text_column = isinstance(sort_field, sa.orm.InstrumentedAttribute) and isinstance(sort_field.type, sa.String)
        if searched and text_column and self.db_session.get_bind().dialect.name == "sqlite":
            # A text search reads every row anyway; sorting on the bare column would make SQLite walk its index
            # and fetch the whole table in that order, many times slower than sorting the matches.
            return sort_field.collate("NOCASE")
        return sort_field

    def get_filter_arg(self, index: int, flt) -> str:
        """Readable filter names in URLs, accents folded: ``flt0_annee_est=2024``."""
        return fold(f"{flt.name} {flt.operation()}").replace(" ", "_") or str(index)

    def search_placeholder(self):
        return "Rechercher…"

    def handle_view_exception(self, exc):
        # Never show a database message (it may hold SQL or other rows' values).
        if isinstance(exc, SQLAlchemyError):
            flash("L'opération n'a pas pu être enregistrée (contrainte de la base de données).", "error")
            return True
        return super().handle_view_exception(exc)

    # -- history and bulk actions ------------------------------------------------------------------------
    @expose("/history/")
    def history_view(self):
        """Every audit event of one record (contacts' personal data for officers only)."""
        model = self.get_one(request.args.get("id", ""))
        if model is None:
            abort(404)
        events = history_events(self.db_session, model)
        return_url = self.get_url(".index_view")
        return self.render("admin/registry/history.html", model=model, events=events, return_url=return_url)

    def records_for_ids(self, ids) -> list:
        """The rows of a bulk action, through the scoped query (ids of rows out of scope, or malformed, match
        nothing). Ids are converted to the key's type: PostgreSQL does not compare an integer with text."""
        pk = self.model.__mapper__.primary_key[0]
        wanted = []
        for ident in ids:
            try:
                wanted.append(pk.type.python_type(ident))
            except (TypeError, ValueError):
                continue
        return self.get_query().filter(pk.in_(wanted)).all() if wanted else []

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        # The confirmation names the kind of record: NamedMessages.get_actions_list.
        count = sum(1 for record in self.records_for_ids(ids) if self.delete_model(record))
        if count:
            flash(self.deleted_count_message(count), "success")

    def pending_review(self, model) -> list:
        """For templates: this record's partner changes waiting for review."""
        from registry.admin.history import visible_events_clause
        from registry.services.history.review import pending_for

        return pending_for(self.db_session, model, visible_events_clause())

    def review_url(self) -> str | None:
        """For templates: the review queue, when the user may open it."""
        for view in views_of(self.admin):
            if getattr(view, "is_review_queue", False) and view.is_accessible():
                return url_for(f"{view.endpoint}.index_view")
        return None

    def filtered_list_url(self, endpoint: str, filter_name: str, value) -> str | None:
        """The list of another view filtered by one of its filters (None when that view is not there)."""
        for view in views_of(self.admin):
            if view.endpoint == endpoint and isinstance(view, SecureModelView):
                for index, flt in enumerate(filters_of(view)):
                    if str(flt.name) == filter_name:
                        arg = f"flt0_{view.get_filter_arg(index, flt)}"
                        return url_for(f"{view.endpoint}.index_view", **{arg: value})
        return None

    def is_archived(self, model) -> bool:
        """For templates: the record is archived."""
        return self.archived_clause is not None and is_archived(model)

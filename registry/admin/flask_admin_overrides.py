"""Every place the back office relies on Flask-Admin's private internals, checked against one Flask-Admin version.

Flask-Admin's public API (class attributes, ``get_query``, ``on_model_change``, template blocks...) does not cover
a few things the registry needs: per-request column lists, an accent-insensitive full-text search, hidden fields
kept through form rules, the view list, pages without inline event handlers. What it takes from underscore names
and replaced template files is listed here, and only here: ``FlaskAdminOverrides`` holds the methods and attributes
``SecureModelView`` replaces (each delegates to a public method of the view), the accessor functions are the only
readers of private attributes elsewhere, and ``TEMPLATES`` names the upstream files replaced outright (with the
SHA-256 of the version checked). ``tests/test_flask_admin_overrides.py`` fails when the installed Flask-Admin is
not ``CHECKED_VERSION``, when one of these names disappears or changes its parameters, when a replaced template
changed upstream, or when a template block the registry's templates fill no longer exists: an upgrade forces a
re-check of this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.admin.editing import TECHNICAL_FIELDS

#: The Flask-Admin release every entry below was read against.
CHECKED_VERSION = "2.2.1"
#: Other libraries whose private names the back office uses, with the release checked.
OTHER_CHECKED = {"flask-wtf": "1.3.0", "flask": "3.1.3"}
#: Flask's session key of flashed messages: admin/messages.py replaces Flask-Admin's generic success messages there.
FLASK_FLASHES = "_flashes"


@dataclass(frozen=True)
class Internal:
    """One private name of a library: where it lives, how the registry uses it, and why."""

    owner: str
    name: str
    use: str
    why: str
    #: Parameter names (self excluded) of a method, as checked.
    parameters: tuple[str, ...] | None = None
    #: The registry module that uses it (all others go through this module's accessors and class).
    where: str = "registry/admin/flask_admin_overrides.py"


MODEL_VIEW = "flask_admin.contrib.sqla.view.ModelView"
BASE_MODEL_VIEW = "flask_admin.model.base.BaseModelView"

INTERNALS = (
    Internal(MODEL_VIEW, "_apply_search", "overridden", "full-text index and folded-text search instead of ILIKE on "
             "every column; marks the query so that sorting knows a search is on",
             ("query", "count_query", "joins", "count_joins", "search")),
    Internal(MODEL_VIEW, "_order_by", "overridden", "SQLite: sort searched rows with NOCASE instead of walking an "
             "index over the whole table", ("query", "joins", "sort_joins", "sort_field", "sort_desc")),
    Internal(BASE_MODEL_VIEW, "_list_columns", "replaced by a property", "contacts' columns dropped per request for "
             "users without READ_PERSONAL (Flask-Admin computes the lists once, at start-up)"),
    Internal(BASE_MODEL_VIEW, "_details_columns", "replaced by a property", "the same, for details pages"),
    Internal(BASE_MODEL_VIEW, "_export_columns", "replaced by a property", "the same, for CSV exports"),
    Internal(BASE_MODEL_VIEW, "_show_missing_fields_warning", "overridden", "no warning for the hidden fields kept "
             "outside form rules", ("text",)),
    Internal(BASE_MODEL_VIEW, "_remove_fields_from_form_instance", "overridden", "form rules would drop the CSRF "
             "token and the sealed state, disabling both checks", ("field_names", "form")),
    Internal(BASE_MODEL_VIEW, "_remove_fields_from_form_class", "overridden", "the same, on the form class",
             ("field_names", "form_class")),
    Internal(BASE_MODEL_VIEW, "_get_list_extra_args", "called", "a list's workbook export reads the list's current "
             "filters, search and sort as the list page does", ()),
    Internal(BASE_MODEL_VIEW, "_get_column_by_idx", "called", "the sort column of a list's workbook export", ("idx",)),
    Internal(BASE_MODEL_VIEW, "_filters", "read", "filter indexes of list URLs (archive filter, links to a filtered "
             "list of another view)"),
    Internal(BASE_MODEL_VIEW, "_form_ajax_refs", "read", "relation pickers follow the row rules of their model's view"),
    Internal(MODEL_VIEW, "_search_fields", "read", "the columns searched with LIKE when a model has no folded text"),
    Internal("flask_admin.base.Admin", "_views", "read", "every view of the back office (review queue link, "
             "filtered-list links, pickers' row rules, no-store header)"),
    Internal("flask_admin.contrib.sqla.ajax.QueryAjaxModelLoader", "_cached_fields", "read", "the label columns a "
             "picker searches when its model has no folded text"),
    Internal("flask_admin.form.BaseForm", "_obj", "set by AdminForm", "Flask-Admin's Unique validator reads the "
             "edited record there; AdminForm is Flask-WTF's form, not Flask-Admin's", where="registry/admin/forms.py"),
    Internal("flask_babel.Domain", "get_translations_cache", "filled at start-up", "Flask-Babel merges a domain's "
             "directories in order, the last winning, and Flask-Admin puts the application's catalogue first: its "
             "stale French would win over the registry's (french_catalogue)", ("ctx",)),
    Internal("flask_wtf.csrf._FlaskFormCSRF", "", "used as csrf_class", "one CSRF token for Flask-Admin's forms and "
             "the app-wide CSRFProtect (RegistryForm)", where="registry/admin/editing.py"),
)  # fmt: skip


@dataclass(frozen=True)
class ReplacedTemplate:
    """A Flask-Admin template the registry's own file of the same name replaces."""

    name: str
    upstream_sha256: str
    why: str


#: Flask-Admin's Bootstrap 4 templates replaced by files of templates/ (SHA-256 of the upstream file checked).
TEMPLATES = (
    ReplacedTemplate("admin/actions.html", "685288ebd9108462ae72a04b894303142f1f6b953834295a85f4c4e8d233a514",
                     "bulk actions without inline handlers (data-model-action)"),
    ReplacedTemplate("admin/model/row_actions.html",
                     "4dc1ade152ecd029860ea8248d10d60ec558571d798ccb20017cd2cc4bb42a7d",
                     "row delete buttons with data-confirm instead of onclick"),
    ReplacedTemplate("admin/model/layout.html", "9801f7f6e21b6dfef6231ea0a2e297ff9903692e894ac1f72e84bd6dddea8cbe",
                     "filters, search and pager without javascript: links"),
    ReplacedTemplate("admin/model/inline_list_base.html",
                     "9385d36000f838cdc0cd90bc310baa5a6e328c738b9ff862f36c75661e1df23b",
                     "inline rows added by data-inline-add"),
    ReplacedTemplate("admin/base.html", "a6add6a45c2ac3c55046ea283318e719269ac7b4e181cc3787904db53b8aaea4",
                     "the theme's base_template is admin/registry_base.html: CSP nonces, the registry's menu"),
)  # fmt: skip

#: Hidden fields every form keeps, whatever its rules: the CSRF token and the sealed state.
KEPT_FIELDS = frozenset({"csrf_token", *TECHNICAL_FIELDS})
#: Execution option marking a list query that a text search filtered (read when sorting).
SEARCHED = "registry_text_search"


# -- the only readers of private attributes outside the class below ----------------------------------------
def views_of(admin) -> list:
    """Every view of an ``Admin`` (``Admin._views``)."""
    return list(admin._views) if admin is not None else []


def french_catalogue(path: str) -> None:
    """Make the registry's French catalogue (``path``/fr/LC_MESSAGES/admin.mo) win over Flask-Admin's own: both
    merged, the registry's last, put in the cache of Flask-Admin's translation domain under the locale "fr"."""
    from babel import support
    from flask_admin import babel as admin_babel
    from flask_admin import translations

    merged = support.Translations()
    for dirname in (translations.__path__[0], path):
        catalog = support.Translations.load(dirname, ["fr"], "admin")
        merged.merge(catalog)
        if hasattr(catalog, "plural"):
            merged.plural = catalog.plural
    admin_babel.domain.get_translations_cache(None)[("fr", admin_babel.domain.domain[0])] = merged


def filters_of(view) -> list:
    """A model view's filter objects, in the order of their URL indexes (``_filters``)."""
    return list(view._filters or [])


def ajax_loaders_of(view) -> list:
    """A model view's relation pickers (``_form_ajax_refs``)."""
    return list(view._form_ajax_refs.values())


def list_arguments(view):
    """The list page's current page, sort, search and filters, read from the request (``_get_list_extra_args``)."""
    return view._get_list_extra_args()


def sort_column(view, index):
    """The (column, name) of a list's sort index, or None (``_get_column_by_idx``)."""
    return view._get_column_by_idx(index)


def search_columns(view) -> list:
    """The columns a list's LIKE search looks in (``_search_fields``)."""
    return [column for column, _joins in view._search_fields or []]


def picker_columns(loader) -> list:
    """The label columns of a relation picker (``QueryAjaxModelLoader._cached_fields``)."""
    return list(loader._cached_fields)


def _columns_for_the_user(name: str) -> property:
    """A column list Flask-Admin assigns once (``self._list_columns = ...``) read back through
    ``without_personal`` at each request."""
    raw = f"_raw{name}"

    def read(view):
        return view.without_personal(view.__dict__.get(raw, []))

    def assign(view, value) -> None:
        view.__dict__[raw] = value

    return property(read, assign)


class FlaskAdminOverrides:
    """The private methods and attributes of ModelView that SecureModelView replaces. Each one delegates to a
    public method of the view: ``without_personal``, ``search_clauses``, ``sort_field_for``."""

    # Column lists, computed once by Flask-Admin, filtered at each request.
    _list_columns = _columns_for_the_user("_list_columns")
    _details_columns = _columns_for_the_user("_details_columns")
    _export_columns = _columns_for_the_user("_export_columns")

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clauses = self.search_clauses(search)
        for clause in clauses:
            query = query.filter(clause)
            if count_query is not None:
                count_query = count_query.filter(clause)
        if clauses:  # the mark travels with the query itself, to _order_by below
            query = query.execution_options(**{SEARCHED: True})
        return query, count_query, joins, count_joins

    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        searched = bool(query.get_execution_options().get(SEARCHED))
        sort_field = self.sort_field_for(sort_field, searched=searched)
        return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)

    # Flask-Admin drops every field missing from form rules, CSRF token included (which would disable the
    # CSRF check of forms using rules): the technical hidden fields are kept and rendered outside the rules.
    def _show_missing_fields_warning(self, text: str) -> None:
        missing = {name.strip() for name in text.partition(":")[2].split(",")}
        if missing - KEPT_FIELDS:
            super()._show_missing_fields_warning(text)

    def _remove_fields_from_form_instance(self, field_names, form) -> None:
        super()._remove_fields_from_form_instance([n for n in field_names if n not in KEPT_FIELDS], form)

    def _remove_fields_from_form_class(self, field_names, form_class) -> None:
        super()._remove_fields_from_form_class([n for n in field_names if n not in KEPT_FIELDS], form_class)

"""Issue 13 item 7: lists sort in French order — « Économie » between « Eau » and « Fabrique », not after « Z » —
on SQLite and on PostgreSQL (run with REGISTRY_TEST_DATABASE_URL), through the folded, indexed ``sort_name`` the
flush keeps (``SortedByName``): every back-office list that sorts on a name (default order and column sort, both
directions) and the public directory."""

from __future__ import annotations

import importlib.util
import itertools
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from registry.extensions import db
from registry.models import Actor, Initiative, LegalFamily, LegalForm, LoanProgramme, Quartier, Sector
from registry.models.base import SortedByName
from registry.services.records.search import sort_name
from registry.services.reference.normalize import fold
from tests.admin_support import database
from tests.conftest import AuthActions
from tests.factories import make_actor, make_initiative, make_programme
from tests.workbook_helpers import actor, actors_sheet, run, xlsx

#: Names in French order; by code point (or byte) the accented and the lower-case ones would sort after « Z ».
FRENCH = ["abeille", "Eau", "eau vive", "Ébène", "Économie", "économie circulaire", "Fabrique", "Oasis", "Œuvre",
          "Zèbre"]  # fmt: skip
SHUFFLED = [FRENCH[i] for i in (9, 4, 0, 7, 2, 5, 8, 1, 6, 3)]
#: A prefix no demo or reference record has, so that the list shows these records only.
PREFIX = "Tri "


def test_the_names_chosen_would_sort_wrongly_by_code_point():
    assert sorted(FRENCH) != FRENCH
    assert sorted(FRENCH, key=sort_name) == FRENCH
    assert sort_name("Œuvre d'Été") == "oeuvre d ete"


def test_the_migration_folds_as_the_application_does():
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0008_sort_name.py"
    spec = importlib.util.spec_from_file_location("0008_sort_name", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for name in [*FRENCH, "Vieux-Lille", "Saint-Maurice Pellevoisin", "Straße", "  L’Îlot  ", ""]:
        assert migration.fold(name) == fold(name), name


def _make(session, model, name: str, n: int):
    if model is Actor:
        return make_actor(session, name=name, published=True)
    if model is Initiative:
        return make_initiative(session, title=name, published=True)
    if model is LoanProgramme:
        return make_programme(session, name=name)
    if model is Quartier:
        record = Quartier(code=f"tri-{n}", name=name, commune="Lille")
    elif model is Sector:
        record = Sector(code=f"tri-{n}", label=name)
    else:
        record = LegalForm(code=f"tri-{n}", label=name, family=LegalFamily.ASSOCIATION)
    session.add(record)
    session.flush()
    return record


def sorted_views(app):
    """Every back-office list view of a model sorted by name, with the name column it sorts on."""
    views = []
    for view in app.extensions["registry_admin"]._views:
        model = getattr(view, "model", None)
        if model is not None and issubclass(model, SortedByName):
            views.append(view)
    return views


def order_in(html: str, names) -> list[str]:
    """The names, in the order the page shows them (each one found as the exact text of a cell or link)."""
    found = []
    for name in names:
        match = re.search(rf">\s*{re.escape(str(escape(name)))}\s*<", html)
        assert match, name
        found.append((match.start(), name))
    return [name for _index, name in sorted(found)]


@pytest.fixture
def records(app):
    """Every SortedByName model gets the FRENCH names (with the prefix), created in a shuffled order."""
    counter = itertools.count()
    with database(app) as session:
        for model in (Actor, Initiative, LoanProgramme, Quartier, Sector, LegalForm):
            for name in SHUFFLED:
                _make(session, model, PREFIX + name, next(counter))
    return [PREFIX + name for name in FRENCH]


def test_the_flush_keeps_the_sort_name(app, records):
    with app.app_context():
        for model in (Actor, Initiative, LoanProgramme, Quartier, Sector, LegalForm):
            label = getattr(model, model.sorted_by)
            rows = db.session.execute(sa.select(label, model.sort_name).where(label.like(f"{PREFIX}%"))).all()
            assert rows and all(key == fold(name) for name, key in rows), model
        renamed = db.session.scalar(sa.select(Actor).where(Actor.name == PREFIX + "Zèbre"))
        renamed.name = "Tri Àrbre"
        db.session.flush()
        assert renamed.sort_name == "tri arbre"
        db.session.rollback()


def test_every_back_office_list_sorted_by_name_is_in_french_order(app, records):
    client = app.test_client()
    AuthActions(client, app).as_role("admin")
    checked = []
    for view in sorted_views(app):
        base = f"{view.url}/?search=&page_size=100"
        label = view.model.sorted_by
        default = view.column_default_sort
        default_column = default[0] if isinstance(default, tuple) else default
        urls = []
        if default_column == label:
            urls.append((f"{view.url}/?page_size=100" if view.can_set_page_size else f"{view.url}/", False))
        sortable = [c if isinstance(c, str) else c[0] for c in view.column_sortable_list or ()]
        if label in sortable:
            index = [c for c, _name in view._list_columns].index(label)
            urls += [(f"{base}&sort={index}", False), (f"{base}&sort={index}&desc=1", True)]
        assert urls, f"{view.endpoint}: its list does not sort on {label}"
        for url, descending in urls:
            html = client.get(url).get_data(as_text=True)
            expected = list(reversed(records)) if descending else records
            assert order_in(html, records) == expected, url
            checked.append(view.endpoint)
    assert {"actor", "initiative", "loanprogramme", "quartier", "sector", "legalform"} <= set(checked)


@pytest.mark.parametrize("url", ["/acteurs/?q=tri", "/initiatives/?q=tri", "/initiatives/"])
def test_the_public_directory_is_in_french_order(app, client, records, url):
    html = client.get(url).get_data(as_text=True)
    assert order_in(html, records) == records


def test_the_importer_fills_the_sort_name(session):
    rows = [actor(n, **{"Nom*": name}) for n, name in enumerate(SHUFFLED, start=1)]
    report = run(session, xlsx({"Acteurs": actors_sheet(*rows)}))
    assert report.ok and report.applied, report.to_text()
    keys = dict(session.execute(sa.select(Actor.name, Actor.sort_name).where(Actor.slug.like("acteur-test-%"))).all())
    assert keys == {name: fold(name) for name in FRENCH}

"""Issue 13 item 4: the back office speaks French. A crawler signs in as admin, officer and analyst, opens every
list, details, create and edit page of the demo registry (and every page they link to: filtered and sorted lists,
histories…), and fails on any English word or raw token a user would see: in the text, in tooltips, placeholders,
button values, confirmations and in the options of selects."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from registry.models import ImportBatch
from tests.admin_support import database
from tests.conftest import AuthActions
from tests.crawler import Crawler
from tests.test_admin_access import admin_requests
from tests.workbook_helpers import load_demo

#: Words a French back office never shows (whole words; the raw values of empty fields among them).
FORBIDDEN = (
    "NULL", "None", "__None", "items", "item", "Edit", "Editer", "Éditer", "Delete", "Save", "Record", "Records",
    "cet objet", "ces objets", "l'objet", "Create", "List", "Details", "Filter", "Filters", "Search", "Cancel",
    "Add", "Remove", "Apply", "Reset", "Submit", "Close", "Yes", "No", "True", "False", "Previous", "Next", "View",
    "Home", "Back", "Select", "Selected", "selected", "articles", "Please", "Are you sure", "Editing",
    "enregistrement", "enregistrements", "Enregistrement", "Enregistrements", "Filtres réinitialisés",
    "Chercher", "Montage", "Nouvel Enregistrement", "inférieur(e)", "supérieur(e)", "égal(e)",
    "Supprimer cette fiche", "Supprimer les fiches",  # each view names its kind of record (admin/messages.py)
)  # fmt: skip
#: Attributes whose text a user sees (tooltips, placeholders, confirmations, button captions).
SEEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm", "data-placeholder")
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in FORBIDDEN) + r")(?![\w-])")


class SeenText(HTMLParser):
    """The text a user sees on a page: visible text (no scripts, styles), seen attributes, button values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name in SEEN_ATTRIBUTES:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and (a.get("type") or "").lower() in ("submit", "button", "reset") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def english_words(html: str) -> list[str]:
    parser = SeenText()
    parser.feed(html)
    return sorted({m.group(1) + " ← " + part[:80] for part in parser.parts for m in PATTERN.finditer(part)})


@pytest.fixture
def demo(app):
    with database(app) as session:
        load_demo(session)
        return {"ImportBatch": session.scalar(sa.select(sa.func.max(ImportBatch.id)))}


@pytest.mark.parametrize("role", ["admin", "officer", "analyst"])
def test_every_back_office_page_is_in_french(app, demo, role):
    client = app.test_client()
    AuthActions(client, app).as_role(role)
    seeds = [url for _v, _n, method, url in admin_requests(app, demo) if method == "GET"]
    pages, found = 0, {}
    for url, response in Crawler(app, client, within="/admin/").walk(seeds):
        if response.status_code == 200 and response.mimetype == "text/html":
            pages += 1
            for word in english_words(response.get_data(as_text=True)):
                found.setdefault(word, url)
    assert found == {}, "\n".join(f"{w}   ({u})" for w, u in sorted(found.items()))
    assert pages > 40


def test_the_check_sees_english_and_raw_tokens():
    html = '<a title="Edit record">x</a><p>None</p><select><option>20 items</option></select><p>Nonewhere</p>'
    assert [w.split(" ")[0] for w in english_words(html)] == ["Edit", "None", "items"]


def test_the_words_the_issue_names(app, demo):
    client = app.test_client()
    AuthActions(client, app).as_role("officer")
    listing = client.get("/admin/actor/").get_data(as_text=True)
    assert "20 par page" in listing and "50 par page" in listing
    assert "Supprimer cet acteur ?" in listing and "Supprimer cette fiche" not in listing
    form = client.get("/admin/actor/edit/?id=1").get_data(as_text=True)
    assert "Ajouter un contact" in form and "Enregistrer et continuer" in form
    assert "— Choisir —" in form
    details = client.get("/admin/actor/details/?id=1").get_data(as_text=True)
    assert "Modifier" in details and "—" in details and "NULL" not in details
    filtered = client.get("/admin/partnership/?flt0_acteur_numero_est=1").get_data(as_text=True)
    assert "Retirer les filtres" in filtered

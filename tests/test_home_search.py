"""The home page's search box and the pages it leads to; links told apart by their accessible names; the ★ of
strategic sectors explained where it appears."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests import public_data
from tests.factories import make_actor


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


class Links(HTMLParser):
    """Each link's href and accessible name (aria-label, else its text, visually hidden text included,
    aria-hidden text left out)."""

    VOID = {"br", "img", "input", "hr", "meta", "link", "wbr"}

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._open: list[list] = []
        self._hidden: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._open.append([attrs.get("href"), attrs.get("aria-label"), []])
        if self._open and tag not in self.VOID:
            self._hidden.append(attrs.get("aria-hidden") == "true")

    def handle_endtag(self, tag):
        if self._open and tag not in self.VOID and self._hidden:
            self._hidden.pop()
        if tag == "a" and self._open:
            href, label, text = self._open.pop()
            self.links.append((href, label or " ".join("".join(text).split())))

    def handle_data(self, data):
        if self._open and not any(self._hidden):
            self._open[-1][2].append(data)


def link_names(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def test_home_has_a_labelled_search_box_for_actors_and_initiatives(client, data):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r'<form class="site-search"[^>]*>.*?</form>', html, re.S).group()
    assert 'action="/recherche"' in form and 'role="search"' in form and 'method="get"' in form
    assert '<label for="recherche-q">Rechercher un acteur, une initiative</label>' in form
    assert re.search(r'<input[^>]*type="search"[^>]*id="recherche-q"[^>]*name="q"', form)


def test_search_finds_actors_and_initiatives_and_links_to_the_directory(client, data):
    html = client.get("/recherche?q=fives").get_data(as_text=True)
    assert "Régie de Quartier de Fives" in html and "Atelier de réemploi de Fives" in html
    for word in public_data.SECRET_WORDS:
        assert word not in html, word
    assert 'value="fives"' in html  # the box keeps what was typed
    assert client.get("/recherche?q=REGIE").get_data(as_text=True).count("Régie de Quartier de Fives") >= 1


def test_search_links_to_every_result_when_there_are_more(client, session):
    for n in range(7):
        make_actor(session, name=f"Ressourcerie Numéro {n}")
    session.commit()
    html = client.get("/recherche?q=ressourcerie").get_data(as_text=True)
    assert html.count("Ressourcerie Numéro") == 5
    assert 'href="/acteurs/?q=ressourcerie">Voir les 7 acteurs dans l\'annuaire</a>' in html


@pytest.mark.parametrize("query", ["", "   ", "x" * 500, "<script>", "zzzz-introuvable"])
def test_search_answers_any_query(client, data, query):
    response = client.get("/recherche", query_string={"q": query})
    assert response.status_code == 200
    main = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script>" not in main  # what was typed is shown escaped
    if query.strip():
        assert f'value="{query.strip()[:200].replace("<", "&lt;").replace(">", "&gt;")}"' in main


@pytest.mark.parametrize("url", ["/", "/acteurs/", "/initiatives/", "/prets/", "/recherche?q=solidaire"])
def test_links_with_the_same_name_go_to_the_same_place(client, data, url):
    # WCAG 2.4.4: « Les acteurs » five times on the home page must say which axis each is for.
    targets: dict[str, set[str]] = {}
    for href, name in link_names(client.get(url).get_data(as_text=True)):
        if href and not href.startswith("#"):
            targets.setdefault(name, set()).add(href)
    ambiguous = {name: hrefs for name, hrefs in targets.items() if len(hrefs) > 1}
    assert ambiguous == {}


def test_home_axis_links_name_their_axis(client, data):
    names = [name for href, name in link_names(client.get("/").get_data(as_text=True)) if "axe=" in (href or "")]
    assert "Les acteurs de l'axe « Consommer et produire autrement »" in names
    assert "Les initiatives de l'axe « Former et se former »" in names
    assert len(names) == 10


def test_strategic_star_is_explained_where_it_appears(client, data):
    legend = "<strong>Secteur stratégique</strong> : un des secteurs que la Ville soutient en priorité"
    for url in ("/acteurs/", f"/acteurs/{data.regie.slug}", f"/acteurs/{data.velo.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert "★" in html and html.count(legend) == 1, url
        assert html.index(legend) < html.index('class="badge badge-strategic"') or url != "/acteurs/", url
    for url in (f"/acteurs/{data.economie.slug}", "/acteurs/?secteur=finance-solidaire"):
        html = client.get(url).get_data(as_text=True)
        assert legend not in html, url  # no star on the page, no legend

"""Public pages: one h1, a title and description each, French, caching headers, no inline script or handler."""

import re
from html import unescape

import pytest

from tests import public_data


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def page_urls(data) -> list[str]:
    return [
        "/",
        "/acteurs/",
        "/acteurs/?q=regie&axe=entreprendre&page=1",
        f"/acteurs/{data.regie.slug}",
        "/initiatives/",
        f"/initiatives/{data.initiative.slug}",
        "/prets/",
        f"/prets/{data.programme.slug}",
        f"/prets/{data.programme.slug}?montant=abc&duree=",
        "/carte/",
        "/donnees/",
        "/recherche?q=fives",
    ]


def test_every_page_has_one_h1_a_title_and_a_description(client, data):
    titles, descriptions = set(), set()
    for url in page_urls(data):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in html
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        title = re.search(r"<title>([^<]+)</title>", html).group(1).strip()
        description = re.search(r'<meta name="description" content="([^"]+)">', html).group(1).strip()
        assert title and len(description) > 40, url
        titles.add(title)
        descriptions.add(description)
    assert len(titles) == len(page_urls(data))  # each page names itself


def test_pages_have_no_inline_script_style_or_event_handler(client, data):
    for url in page_urls(data):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"\son[a-z]+=", html), url
        assert not re.search(r'\sstyle="', html), url
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or "nonce=" in tag, (url, tag)


def test_every_form_field_has_a_label(client, data):
    for url in ("/", "/acteurs/", "/initiatives/", "/carte/", f"/prets/{data.programme.slug}", "/recherche?q=x"):
        html = client.get(url).get_data(as_text=True)
        ids = re.findall(r'<(?:input|select)[^>]*\sid="([^"]+)"', html)
        assert ids, url
        for field_id in ids:
            assert f'for="{field_id}"' in html, (url, field_id)


def test_navigation_lists_every_public_section_and_marks_the_current_one(client, data):
    html = client.get(f"/acteurs/{data.regie.slug}").get_data(as_text=True)
    for label in ("À découvrir", "Acteurs", "Initiatives", "Prêts bonifiés", "Carte", "Données ouvertes"):
        assert f">{label}</a>" in html
    assert re.search(r'class="nav-link active" href="/acteurs/"\s+aria-current="true">Acteurs', html)


def test_public_pages_are_cached_privately_and_briefly(client, data):
    response = client.get("/acteurs/")
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert "Cookie" in response.headers["Vary"]
    assert client.get("/acteurs/inconnu").headers["Cache-Control"] == "no-cache, private"


def test_signed_in_pages_are_not_cached(client, auth, data):
    auth.as_role("analyst")
    policy = client.get("/acteurs/").headers["Cache-Control"]
    assert "no-cache" in policy or "no-store" in policy


def test_static_files_are_cacheable(client):
    for path in ("/static/css/site.css", "/static/vendor/leaflet/leaflet.js", "/static/js/map.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert "max-age=43200" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
        response.close()
    assert "BSD 2-Clause" in client.get("/static/vendor/leaflet/LICENSE").get_data(as_text=True)


def test_directory_ignores_unknown_filters_and_bad_pages(client, data):
    response = client.get("/acteurs/?axe=inconnu&quartier=fives")
    assert response.status_code == 200
    assert "Régie de Quartier de Fives" in response.get_data(as_text=True)
    # A page that is no number shows the first page, one past the end the last page: never a 404 for a search.
    for page in ("0", "abc", "-1", "99999999999"):
        html = unescape(client.get(f"/acteurs/?page={page}&quartier=fives").get_data(as_text=True))
        assert "n'existe pas : voici la première page" in html and "Régie de Quartier de Fives" in html, page
    html = unescape(client.get("/initiatives/?page=99").get_data(as_text=True))
    assert "voici la dernière" in html and "1 page de résultats" in html


def test_directory_filters_live_in_links(client, data):
    html = client.get("/acteurs/?q=solidaire&quartier=wazemmes").get_data(as_text=True)
    # Each active filter can be removed on its own, keeping the others.
    assert 'href="/acteurs/?quartier=wazemmes"' in html
    assert 'href="/acteurs/?q=solidaire"' in html
    assert 'href="/carte/?q=solidaire&amp;quartier=wazemmes"' in html


def test_simulator_form_works_without_javascript(client, data):
    html = client.get(f"/prets/{data.programme.slug}?montant=5+000&duree=36").get_data(as_text=True)
    assert "138,89" in html and "354,45" in html  # monthly payment at 0 %, interest saved vs 4,5 %
    html = client.get(f"/prets/{data.programme.slug}?montant=50&duree=40").get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "Le montant doit être d&#39;au moins 300,00" in html
    assert "La durée ne peut pas dépasser 36 mois pour ce prêt." in html


def test_text_is_escaped_everywhere(client, session, data):
    data.regie.description = "<img src=x onerror=alert(1)>"
    session.commit()
    for url in ("/acteurs/", f"/acteurs/{data.regie.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html

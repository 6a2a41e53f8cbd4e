"""The five legal pages of a French public site (issue 15, item 2): each served, linked from the footer of every
public page, its text a template an officer replaces without touching the code, its details settings."""

from __future__ import annotations

import re

import pytest

from tests import public_data

LEGAL = {
    "/mentions-legales": ("Mentions légales", ["Directeur de la publication", "Hébergement", "Éditeur du site"]),
    "/accessibilite": (
        "Accessibilité",
        [
            "partiellement conforme",
            "Non-conformités connues",
            "Dérogations",
            "Défenseur des droits",
            "Retour d'information et contact",
            "Établissement de cette déclaration",
        ],
    ),
    "/donnees-personnelles": (
        "Données personnelles",
        [
            "article 6-1-e",
            "Finalités",
            "Destinataires",
            "Durées de conservation",
            "Vos droits",
            "Délégué à la protection des données",
            "dpo@mairie-lille.fr",
        ],
    ),
    "/plan-du-site": ("Plan du site", ["/acteurs/", "/donnees/", "/mentions-legales", "/contact"]),
    "/contact": ("Contact", ["ess@mairie-lille.fr", "/demande-acces"]),
}


@pytest.mark.parametrize("path", LEGAL)
def test_each_legal_page_carries_its_sections(client, path):
    title, contents = LEGAL[path]
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    for content in contents:
        assert content in html, (path, content)


def public_pages(client, data) -> list[str]:
    """Every public page a visitor can reach from the home page, and a few beyond."""
    seen, queue = set(), ["/", f"/acteurs/{data.regie.slug}", "/recherche?q=fives", "/acteurs/inconnu"]
    while queue and len(seen) < 60:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        for href in re.findall(r'href="(/[^"#]*)"', response.get_data(as_text=True)):
            if not href.startswith(("/static", "/admin", "/api", "/espace-partenaire")) and "." not in href:
                queue.append(href.replace("&amp;", "&"))
    return sorted(seen)


def test_the_footer_of_every_public_page_links_the_five_legal_pages(client, session):
    data = public_data.build(session)
    session.commit()
    pages = public_pages(client, data)
    assert len(pages) > 15 and set(LEGAL) <= set(pages)
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        footer = html[html.index('<footer class="site-footer">') :]
        for path in LEGAL:
            assert f'href="{path}"' in footer, (url, path)
        assert "Accessibilité : partiellement conforme" in footer, url


def test_the_details_are_settings_and_the_texts_are_replaceable(app, client, tmp_path):
    saved = dict(app.config.get("LEGAL") or {}), app.config.get("LEGAL_TEXTS_DIR")
    app.config["LEGAL"] = {"host": "Hébergeur Exemple SAS, 59000 Lille", "accessibility_status": "non conforme"}
    app.config["LEGAL_TEXTS_DIR"] = str(tmp_path)
    try:
        html = client.get("/mentions-legales").get_data(as_text=True)
        assert "Hébergeur Exemple SAS" in html and "Accessibilité : non conforme" in html
        (tmp_path / "contact.html").write_text("<p>Écrivez au guichet : {{ legal.contact_email }}.</p>", "utf-8")
        html = client.get("/contact").get_data(as_text=True)
        assert "Écrivez au guichet : ess@mairie-lille.fr." in html and "Demandez un accès" not in html
    finally:
        app.config["LEGAL"], app.config["LEGAL_TEXTS_DIR"] = saved


def test_account_request_informs_and_asks_no_consent(client):
    html = client.get("/demande-acces").get_data(as_text=True)
    assert 'type="checkbox"' not in html
    assert "mission d'intérêt public (article 6-1-e du RGPD)" in html and 'href="/donnees-personnelles"' in html


def test_templates_say_courriel_not_e_mail():
    """« courriel » / « adresse électronique » throughout the French interface."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    wrong = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"\be-?mail\b", re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}|<[^>]*>", "", path.read_text()), re.I)
    ]
    assert wrong == []

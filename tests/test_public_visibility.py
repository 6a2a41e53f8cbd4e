"""Nothing unpublished, archived, or led by a hidden actor, and no contact without consent, in any public answer."""

import io
import json

import pytest
from openpyxl import load_workbook

from tests import public_data


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def public_urls(data) -> list[str]:
    return [
        "/",
        "/acteurs/",
        "/acteurs/?quartier=fives",
        "/acteurs/?q=regie",
        f"/acteurs/{data.regie.slug}",
        f"/acteurs/{data.economie.slug}",
        "/initiatives/",
        "/initiatives/?quartier=fives",
        f"/initiatives/{data.initiative.slug}",
        "/prets/",
        f"/prets/{data.programme.slug}",
        f"/prets/{data.programme.slug}?montant=1000&duree=12",
        "/carte/",
        "/carte/?quartier=fives",
        "/donnees/",
        "/donnees/acteurs.csv",
        "/donnees/acteurs.geojson",
        "/donnees/initiatives.csv",
        "/donnees/prets.csv",
        "/api/v1/",
        "/api/v1/actors?limit=100",
        "/api/v1/actors?q=fives",
        f"/api/v1/actors/{data.regie.slug}",
        "/api/v1/actors.geojson",
        "/api/v1/initiatives?limit=100",
        f"/api/v1/initiatives/{data.initiative.slug}",
        "/api/v1/loan-programmes",
        f"/api/v1/loan-programmes/{data.programme.slug}",
        "/api/v1/reference",
    ]


def body_text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(
            str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value
        )
    if response.mimetype in ("application/json", "application/geo+json"):
        return json.dumps(json.loads(response.data), ensure_ascii=False)  # "Cachée", not "Cach\u00e9e"
    return response.get_data(as_text=True)


def test_hidden_records_and_private_contacts_appear_nowhere(client, data):
    urls = [*public_urls(data), "/donnees/acteurs.xlsx", "/donnees/initiatives.xlsx", "/donnees/prets.xlsx"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body_text(response)
        for word in public_data.SECRET_WORDS:
            assert word not in text, f"{word!r} leaked in {url}"


def test_public_records_do_appear(client, data):
    assert "Régie de Quartier de Fives" in client.get("/acteurs/").get_data(as_text=True)
    assert "Camille Martin" in client.get(f"/acteurs/{data.regie.slug}").get_data(as_text=True)
    assert client.get(f"/api/v1/actors/{data.regie.slug}").json["data"]["contacts"] == [
        {"full_name": "Camille Martin", "role": "Directrice", "email": "camille@regie.example.org", "phone": None}
    ]
    partners = client.get(f"/api/v1/initiatives/{data.initiative.slug}").json["data"]["partners"]
    assert partners == [{"slug": data.economie.slug, "name": "Maison de l'Économie Solidaire", "role": "Financement"}]


@pytest.mark.parametrize(
    "url",
    [
        "/acteurs/{hidden}",
        "/acteurs/{archived}",
        "/initiatives/{hidden_initiative}",
        "/initiatives/{orphan_initiative}",
        "/prets/{hidden_programme}",
        "/api/v1/actors/{hidden}",
        "/api/v1/actors/{archived}",
        "/api/v1/initiatives/{hidden_initiative}",
        "/api/v1/initiatives/{orphan_initiative}",
        "/api/v1/loan-programmes/{hidden_programme}",
        "/api/v1/loan-programmes/{hidden_programme}/simulation?montant=1000&duree=12",
    ],
)
def test_hidden_records_are_not_found(client, data, url):
    slugs = {
        name: getattr(data, name).slug
        for name in ("hidden", "archived", "hidden_initiative", "orphan_initiative", "hidden_programme")
    }
    response = client.get(url.format(**slugs))
    assert response.status_code == 404
    for word in public_data.SECRET_WORDS:
        assert word not in response.get_data(as_text=True)


def test_home_figures_count_public_records_only(client, data):
    html = client.get("/").get_data(as_text=True)
    assert '<span class="figure">4</span> <span class="figure-label">acteurs publiés' in html
    assert '<span class="figure">2</span> <span class="figure-label">initiatives' in html
    # Fives, Wazemmes, Lomme: the hidden actors' and the orphan initiative's quartiers do not count twice.
    assert '<span class="figure">3</span> <span class="figure-label">quartiers couverts' in html
    # Loans granted this year come from the public programme's report only (the hidden one reports 500).
    assert '<span class="figure">12</span> <span class="figure-label">prêts bonifiés accordés' in html


def test_unpublishing_an_actor_removes_it_everywhere(client, session, data):
    data.economie.published = False
    session.commit()
    assert "Maison de l'Économie Solidaire" not in client.get("/acteurs/").get_data(as_text=True)
    assert client.get(f"/acteurs/{data.economie.slug}").status_code == 404
    # It was a partner of the Fives workshop and led the city-wide forum: both pages forget it.
    assert client.get(f"/api/v1/initiatives/{data.initiative.slug}").json["data"]["partners"] == []
    assert "Forum de la finance éthique" not in client.get("/initiatives/").get_data(as_text=True)
    # The programme it lends for stays public, naming the lender without linking to a hidden page.
    html = client.get(f"/prets/{data.programme.slug}").get_data(as_text=True)
    assert "Maison de l&#39;Économie Solidaire" in html
    assert f'href="/acteurs/{data.economie.slug}"' not in html

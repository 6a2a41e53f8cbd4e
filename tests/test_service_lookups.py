"""The forms' lookups in the public services over HTTP (back office and partner space): who may ask, CSRF, the
JSON answers (match, no match, closed, register down, low score), the rate limit, the bulk actions of the actors
list, the dashboard flags and the CLI commands — against a loopback HTTP server in the services' formats."""

from __future__ import annotations

import pytest
from werkzeug import Response

from registry import create_app
from registry.extensions import limiter
from registry.models import Actor, ReferenceCheck
from tests.admin_support import database, fresh
from tests.conftest import AuthActions, csrf_token_from, make_test_config
from tests.connectors_support import SIRET, feature, geocode_answer, pointed_at, sirene_answer, sirene_result
from tests.factories import DEFAULT_PASSWORD, make_actor, make_user

SIRENE_URL = "/admin/actor/repertoire-sirene/"
GEOCODE_URL = "/admin/actor/geolocaliser/"
JSON = {"Accept": "application/json"}


@pytest.fixture
def actor(app):
    with database(app) as session:
        return make_actor(session, name="Régie de quartier de Fives", siret=SIRET, address="12 rue P. Legrand",
                          postcode="59800", commune="Lille").id  # fmt: skip


def token_of(client, url="/admin/actor/") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def ask(client, url, token, **data):
    return client.post(url, data={"csrf_token": token, **data}, headers=JSON)


def test_anonymous_and_readers_cannot_ask(app, client, auth, services, actor):
    for url in (SIRENE_URL, GEOCODE_URL):
        response = client.post(url, data={"siret": SIRET})
        assert response.status_code in (302, 400) and b"REGIE" not in response.data
    auth.as_role("analyst")
    token = token_of(client)
    for url in (SIRENE_URL, GEOCODE_URL):
        assert ask(client, url, token, siret=SIRET, address="12 rue Pierre Legrand").status_code == 403
    assert len(services.log) == 0


def test_a_lookup_without_the_csrf_token_is_refused(app, client, auth, services, actor):
    auth.as_role("officer")
    response = client.post(SIRENE_URL, data={"siret": SIRET}, headers=JSON)
    assert response.status_code == 400 and "jeton de sécurité" in response.get_json()["error"]["message"]
    assert len(services.log) == 0


def test_officer_gets_the_comparison_and_the_check_is_kept(app, client, auth, services, actor):
    services.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(closed=True)))
    auth.as_role("officer")
    token = token_of(client, f"/admin/actor/edit/?id={actor}")
    response = ask(client, SIRENE_URL, token, id=str(actor), siret="443 061 841 00047", name="Régie de quartier",
                   address="12 rue P. Legrand", postcode="59800", commune="Lille")  # fmt: skip
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["comparison"]["state"] == "closed"
    assert "fermé le 30/06/2024" in body["comparison"]["state_text"]
    rows = {row["field"]: row for row in body["comparison"]["rows"]}
    assert rows["address"]["value"] == "12 rue Pierre Legrand" and rows["address"]["applicable"]
    assert rows["postcode"]["same"]
    assert fresh(app, Actor, actor).address == "12 rue P. Legrand"  # nothing applied by the lookup
    with database(app) as session:
        assert session.get(ReferenceCheck, actor).sirene_state == "closed"
    form = client.get(f"/admin/actor/edit/?id={actor}").get_data(as_text=True)
    assert "indique que l&#39;établissement de SIRET 443 061 841 00047 est fermé le 30/06/2024" in form


def test_bad_siret_no_match_and_register_down_are_french_json(app, client, auth, services, actor):
    auth.as_role("officer")
    token = token_of(client)
    bad = ask(client, SIRENE_URL, token, siret="123")
    assert bad.status_code == 422 and "SIRET invalide" in bad.get_json()["message"]
    empty = ask(client, SIRENE_URL, token, siret="")
    assert empty.status_code == 422 and "Saisissez d'abord un SIRET" in empty.get_json()["message"]
    services.expect_ordered_request("/sirene/search").respond_with_json(sirene_answer())
    none = ask(client, SIRENE_URL, token, siret=SIRET)
    assert none.status_code == 404 and "ne connaît aucun établissement" in none.get_json()["message"]
    services.clear()
    app.extensions.pop("registry_connectors", None)  # the empty answer is cached
    services.expect_request("/sirene/search").respond_with_data("down", status=503)
    down = ask(client, SIRENE_URL, token, siret=SIRET)
    assert down.status_code == 503
    assert len(services.log) == 2  # a form's click: one retry at most, the person is not kept waiting
    assert "n'a pas pu répondre" in down.get_json()["message"] and "saisie manuelle" in down.get_json()["message"]


def test_geocoding_good_and_low_score(app, client, auth, services, actor):
    services.expect_request(
        "/geocodage/search",
        query_string={"q": "12 rue Pierre Legrand 59260 Hellemmes", "index": "address", "limit": "1"},
    ).respond_with_json(geocode_answer(feature(postcode="59260", city="Lille", oldcity="Hellemmes-Lille")))
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature(score=0.35, kind="street")))
    auth.as_role("officer")
    token = token_of(client)
    good = ask(client, GEOCODE_URL, token, address="12 rue Pierre Legrand", postcode="59260", commune="Hellemmes")
    position = good.get_json()["position"]
    assert (position["latitude"], position["longitude"], position["score"], position["low"]) == (
        50.631912,
        3.087654,
        0.96,
        False,
    )
    assert position["quartier"]["name"] == "Hellemmes"
    low = ask(client, GEOCODE_URL, token, address="derrière la gare", postcode="59800", commune="Lille")
    assert low.get_json()["position"]["low"] is True and low.get_json()["position"]["quartier"] is None
    assert ask(client, GEOCODE_URL, token).status_code == 422
    services.clear()
    services.expect_request("/geocodage/search").respond_with_response(
        Response("<html>Erreur 429</html>", status=429, headers={"Retry-After": "60"})
    )
    limited = ask(client, GEOCODE_URL, token, address="1 rue Nationale", postcode="59000", commune="Lille")
    assert limited.status_code == 503 and "réessayez dans 61 s" in limited.get_json()["message"]


def test_partner_compares_its_own_siret_and_may_apply_only_its_fields(app, client, services, mine):
    services.expect_request("/sirene/search", query_string={"q": mine.siret, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer(sirene_result(mine.siret)))  # fmt: skip
    token = token_of(client, "/espace-partenaire/profil")
    page = client.get("/espace-partenaire/profil").get_data(as_text=True)
    assert "Compléter depuis le répertoire Sirene" in page and "Géolocaliser l'adresse" in page
    response = ask(client, "/espace-partenaire/profil/repertoire-sirene", token, siret="21590350100017",
                   address="ailleurs")  # fmt: skip
    rows = {row["field"]: row for row in response.get_json()["comparison"]["rows"]}
    assert response.get_json()["comparison"]["siret"] == mine.siret  # its own, whatever is posted
    assert rows["address"]["recorded"] == "ailleurs" and rows["address"]["applicable"]
    assert not rows["name"]["applicable"] and not rows["ape_code"]["applicable"]
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature()))
    geo = ask(client, "/espace-partenaire/profil/geolocaliser", token, address="12 rue Pierre Legrand",
              postcode="59800", commune="Lille")  # fmt: skip
    assert geo.status_code == 200 and geo.get_json()["position"]["score"] == 0.96


def test_other_roles_cannot_use_the_partner_lookups(app, client, auth, services):
    auth.as_role("officer")
    token = token_of(client)
    assert ask(client, "/espace-partenaire/profil/repertoire-sirene", token).status_code == 403
    assert ask(client, "/espace-partenaire/profil/geolocaliser", token, address="x y z").status_code == 403


def test_lookups_are_rate_limited_per_user(database_url, tmp_path, httpserver):
    app = create_app(make_test_config(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_LOOKUP="2 per minute"))
    try:
        for _ in pointed_at(app, httpserver):
            httpserver.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature()))
            with app.app_context():
                from registry.extensions import db

                email = make_user(db.session, role="officer").email
                db.session.commit()
            client = app.test_client()
            AuthActions(client, app).login(email, DEFAULT_PASSWORD)
            token = token_of(client)
            codes = [ask(client, GEOCODE_URL, token, address=f"{n} rue Pierre Legrand").status_code for n in range(3)]
            assert codes == [200, 200, 429]
    finally:
        limiter.enabled = False


def test_bulk_actions_compare_and_geocode_the_selected_actors(app, client, auth, services, actor):
    services.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(closed=True)))
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature(score=0.5)))
    auth.as_role("officer")
    token = token_of(client)
    page = client.post("/admin/actor/action/", data={"action": "compare_sirene", "rowid": [actor],
                                                      "csrf_token": token})  # fmt: skip
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Comparaison au répertoire Sirene" in html
    assert "Établissement fermé le 30/06/2024" in html and "12 rue Pierre Legrand" in html
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert (
        "dont l'établissement est fermé au répertoire Sirene" in dashboard and "Régie de quartier de Fives" in dashboard
    )
    done = client.post("/admin/actor/action/", data={"action": "geocode", "rowid": [actor], "csrf_token": token},
                       follow_redirects=True)  # fmt: skip
    assert "1 à vérifier par un agent" in done.get_data(as_text=True)
    assert fresh(app, Actor, actor).latitude is None
    assert "positions-a-verifier" in client.get("/admin/").get_data(as_text=True)


def test_analyst_sees_no_bulk_action_and_cannot_post_one(app, client, auth, services, actor):
    auth.as_role("analyst")
    assert "compare_sirene" not in client.get("/admin/actor/").get_data(as_text=True)
    token = token_of(client)
    response = client.post("/admin/actor/action/", data={"action": "compare_sirene", "rowid": [actor],
                                                          "csrf_token": token})  # fmt: skip
    assert response.status_code == 403 and len(services.log) == 0


def test_cli_commands(app, runner, services, actor):
    city = app.config["CITY_SIRET"]
    services.expect_request("/sirene/search", query_string={"q": city, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer(sirene_result(city)))  # fmt: skip
    services.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(closed=True)))
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature()))
    result = runner.invoke(args=["registry", "comparer-sirene"])
    assert result.exit_code == 0, result.output
    assert "[FERMÉ] Régie de quartier de Fives" in result.output and "Adresse : « 12 rue P. Legrand »" in result.output
    result = runner.invoke(args=["registry", "geocoder", "--limite", "10"])
    assert result.exit_code == 0 and "1 position(s) enregistrée(s)" in result.output
    assert fresh(app, Actor, actor).latitude == 50.631912
    result = runner.invoke(args=["registry", "verifier-services"])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == 2


def test_verifier_services_fails_clearly_when_unreachable(app, runner, services):
    services.expect_request("/sirene/search").respond_with_data("down", status=502)
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer())
    result = runner.invoke(args=["registry", "verifier-services"])
    assert result.exit_code == 1
    assert "ÉCHEC" in result.output and "erreur 502" in result.output and "sans résultat" in result.output


def test_overview_of_every_actor_and_comparing_the_least_recently_checked(app, client, auth, services, actor):
    services.expect_request("/sirene/search", query_string={"q": SIRET, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer(sirene_result(closed=True)))  # fmt: skip
    services.expect_request("/sirene/search").respond_with_json(sirene_answer())
    with database(app) as session:
        make_actor(session, name="Atelier Vélo", siret="73282932000074")
        make_actor(session, name="Sans SIRET")
    auth.as_role("officer")
    page = client.get("/admin/actor/repertoire-sirene/comparaison/").get_data(as_text=True)
    assert page.count("jamais comparé") == 2 and "Sans SIRET" not in page
    token = token_of(client, "/admin/actor/repertoire-sirene/comparaison/")
    nothing = client.post("/admin/actor/repertoire-sirene/comparaison/", data={"csrf_token": token})
    assert nothing.status_code == 302 and len(services.log) == 0
    report = client.post("/admin/actor/repertoire-sirene/comparaison/", data={"csrf_token": token, "comparer": "oui"})
    html = report.get_data(as_text=True)
    assert html.index("Régie de quartier de Fives") < html.index("Atelier Vélo")  # closed first
    page = client.get("/admin/actor/repertoire-sirene/comparaison/").get_data(as_text=True)
    assert "établissement fermé le 30/06/2024" in page and "inconnu (ou non diffusible)" in page
    assert page.index("Régie de quartier de Fives") < page.index("Atelier Vélo")
    auth.logout()
    auth.as_role("analyst")
    assert client.get("/admin/actor/repertoire-sirene/comparaison/").status_code == 200
    token = token_of(client)
    refused = client.post("/admin/actor/repertoire-sirene/comparaison/", data={"csrf_token": token, "comparer": "oui"})
    assert refused.status_code == 403

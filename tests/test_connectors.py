"""The two public services' clients against a real HTTP server on loopback answering in their documented formats:
matches, no match, closed establishments, 500s, slow answers, 429 with Retry-After, low scores; and what the
registry does with the answers (comparison, bulk comparison, bulk geocoding)."""

from __future__ import annotations

import socket
import time

import pytest
import sqlalchemy as sa
from werkzeug import Response

from registry.extensions import db
from registry.models import Actor, AuditEvent, LegalForm, Quartier, ReferenceCheck, SiaeType
from registry.services.connectors import geocoder, sirene
from registry.services.connectors.checks import (
    closed_establishments,
    compare_register,
    geocode_missing,
    positions_to_check,
)
from registry.services.connectors.comparison import compare, recorded_from_actor
from registry.services.connectors.http import JsonClient, ServiceUnavailable, retry_after_seconds
from registry.services.connectors.quartiers import propose_quartier
from tests.connectors_support import (
    HEAD_OFFICE,
    SIRET,
    feature,
    geocode_answer,
    sirene_answer,
    sirene_result,
)
from tests.factories import make_actor, ref


def sirene_client(server, **options) -> JsonClient:
    options = {"timeout": 0.4, "backoff": 0.01, **options}
    return JsonClient(sirene.NAME, server.url_for("/sirene"), **options)


def geo_client(server, **options) -> JsonClient:
    options = {"timeout": 0.4, "backoff": 0.01, **options}
    return JsonClient(geocoder.NAME, server.url_for("/geocodage"), **options)


def settle(server, count: int) -> None:
    """Wait until the server has answered ``count`` requests (a slow handler finishes after the client gave up)."""
    deadline = time.monotonic() + 3
    while len(server.log) < count and time.monotonic() < deadline:
        time.sleep(0.05)


# -- the register -------------------------------------------------------------------------------------------------
def test_sirene_finds_the_establishment_of_the_siret_not_only_the_head_office(httpserver):
    httpserver.expect_request("/sirene/search", query_string={"q": SIRET, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer(sirene_result()))  # fmt: skip
    found = sirene.find_establishment(sirene_client(httpserver), SIRET)
    assert found.siret == SIRET
    assert found.legal_name == "REGIE DE QUARTIER DE FIVES"
    assert (found.address, found.postcode, found.commune) == ("12 rue Pierre Legrand", "59800", "Lille")
    assert (found.ape_code, found.nature_juridique, found.creation_year) == ("88.99B", "9220", 1998)
    assert (found.is_ess, found.is_siae, found.siae_type, found.rna) == (True, True, "ACI", "W595012345")
    assert found.is_open and found.closed_on is None
    assert (found.latitude, found.longitude) == (50.6319, 3.0877)


def test_sirene_head_office_address_comes_from_its_detailed_fields(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(HEAD_OFFICE)))
    found = sirene.find_establishment(sirene_client(httpserver), HEAD_OFFICE)
    assert (found.address, found.postcode, found.commune) == ("5 rue du Long Pot", "59800", "Lille")


def test_sirene_no_match_is_none(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer())
    assert sirene.find_establishment(sirene_client(httpserver), SIRET) is None


def test_sirene_result_of_another_siret_is_no_match(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(HEAD_OFFICE)))
    assert sirene.find_establishment(sirene_client(httpserver), SIRET) is None


def test_sirene_masked_values_of_a_partly_public_establishment_are_no_values(httpserver):
    result = sirene_result()
    result["matching_etablissements"][0].update(adresse="[NON-DIFFUSIBLE]", code_postal="[NON-DIFFUSIBLE]",
                                                statut_diffusion_etablissement="P")  # fmt: skip
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(result))
    found = sirene.find_establishment(sirene_client(httpserver), SIRET)
    assert (found.address, found.postcode) == (None, None) and found.commune == "Lille"


def test_sirene_closed_establishment(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(closed=True)))
    found = sirene.find_establishment(sirene_client(httpserver), SIRET)
    assert not found.is_open
    assert found.closed_on.isoformat() == "2024-06-30"


# -- the client's patience ---------------------------------------------------------------------------------------
def test_a_500_is_retried_then_the_answer_is_used(httpserver):
    httpserver.expect_ordered_request("/sirene/search").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/sirene/search").respond_with_json(sirene_answer(sirene_result()))
    client = sirene_client(httpserver)
    assert sirene.find_establishment(client, SIRET).siret == SIRET
    assert client.calls == 2


def test_repeated_500s_give_a_french_message(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_data("oops", status=500)
    client = sirene_client(httpserver, retries=2)
    with pytest.raises(ServiceUnavailable) as raised:
        sirene.find_establishment(client, SIRET)
    assert client.calls == 3
    assert "erreur 500" in str(raised.value) and "saisie manuelle reste possible" in str(raised.value)


def test_a_400_is_not_retried(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json({"erreur": "Veuillez indiquer un terme"}, 400)
    client = sirene_client(httpserver)
    with pytest.raises(ServiceUnavailable, match="demande refusée"):
        sirene.find_establishment(client, SIRET)
    assert client.calls == 1


def test_a_429_waits_what_retry_after_says_then_retries(httpserver):
    httpserver.expect_ordered_request("/sirene/search").respond_with_response(
        Response("Too Many Requests", status=429, headers={"Retry-After": "1"})
    )
    httpserver.expect_ordered_request("/sirene/search").respond_with_json(sirene_answer(sirene_result()))
    waits = []
    client = sirene_client(httpserver, sleep=waits.append)
    assert sirene.find_establishment(client, SIRET) is not None
    assert waits == [1.0]  # Retry-After, not the shorter backoff


def test_a_429_asking_too_long_a_wait_is_given_up_at_once(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_response(
        Response("Too Many Requests", status=429, headers={"Retry-After": "120"})
    )
    client = sirene_client(httpserver, max_wait=5)
    with pytest.raises(ServiceUnavailable) as raised:
        sirene.find_establishment(client, SIRET)
    assert client.calls == 1
    assert raised.value.retry_after == 120
    assert "trop de demandes" in str(raised.value) and "réessayez dans 121 s" in str(raised.value)


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("3") == 3
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds("demain") is None and retry_after_seconds(None) is None


def test_a_slow_answer_times_out_with_a_french_message(httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/sirene/search").respond_with_handler(slow)
    client = sirene_client(httpserver, timeout=0.2, retries=1)
    with pytest.raises(ServiceUnavailable, match=r"pas de réponse en 0\.2 s"):
        sirene.find_establishment(client, SIRET)
    assert client.calls == 2
    settle(httpserver, 2)


def test_an_unreachable_service_gives_a_french_message():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = JsonClient(sirene.NAME, f"http://127.0.0.1:{port}", timeout=0.2, retries=1, backoff=0.01)
    with pytest.raises(ServiceUnavailable, match="service injoignable"):
        sirene.find_establishment(client, SIRET)


def test_answers_are_cached(httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result()))
    client = sirene_client(httpserver)
    sirene.find_establishment(client, SIRET)
    sirene.find_establishment(client, SIRET)
    assert client.calls == 1 and len(httpserver.log) == 1


def test_calls_are_spaced_to_the_rate_limit(httpserver):
    httpserver.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature()))
    client = geo_client(httpserver, per_second=20, cache_ttl=0)
    started = time.monotonic()
    for n in range(6):
        geocoder.geocode(client, f"{n} rue Pierre Legrand", "59800", "Lille")
    assert time.monotonic() - started >= 5 / 20 - 0.01
    assert client.calls == 6


# -- the geocoder -------------------------------------------------------------------------------------------------
def test_geocoder_good_score(httpserver):
    httpserver.expect_request(
        "/geocodage/search", query_string={"q": "12 rue Pierre Legrand 59800 Lille", "index": "address", "limit": "1"}
    ).respond_with_json(geocode_answer(feature()))
    found = geocoder.geocode(geo_client(httpserver), "12 rue Pierre Legrand", "59800", "Lille")
    assert (found.latitude, found.longitude, found.score) == (50.631912, 3.087654, 0.96)
    assert found.label == "12 Rue Pierre Legrand 59800 Lille" and found.kind == "housenumber"


def test_geocoder_no_match_and_too_short_a_query(httpserver):
    httpserver.expect_request("/geocodage/search").respond_with_json(geocode_answer())
    client = geo_client(httpserver)
    assert geocoder.geocode(client, "zzzz qqqq", None, None) is None
    assert geocoder.geocode(client, "", "", "ab") is None
    assert client.calls == 1  # the short one never left


def test_geocoder_429_then_answer(httpserver):
    httpserver.expect_ordered_request("/geocodage/search").respond_with_data(
        "<html><body>Erreur 429</body></html>", status=429, content_type="text/html"
    )
    httpserver.expect_ordered_request("/geocodage/search").respond_with_json(geocode_answer(feature()))
    waits = []
    client = geo_client(httpserver, sleep=waits.append)
    assert geocoder.geocode(client, "12 rue Pierre Legrand", "59800", "Lille") is not None
    assert waits == [0.01]  # no Retry-After: the backoff


def test_geocoder_timeout(httpserver):
    def slow(request):
        time.sleep(0.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/geocodage/search").respond_with_handler(slow)
    with pytest.raises(ServiceUnavailable, match="pas de réponse"):
        geocoder.geocode(geo_client(httpserver, timeout=0.2, retries=0), "12 rue Pierre Legrand", "59800", "Lille")
    settle(httpserver, 1)


# -- what the registry does with the answers ----------------------------------------------------------------------
def test_comparison_field_by_field(app, httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result()))
    found = sirene.find_establishment(sirene_client(httpserver), SIRET)
    with app.app_context():
        actor = make_actor(db.session, name="Régie de quartier de Fives", siret=SIRET, address="12, rue P. Legrand",
                           postcode="59800", commune="Lille", founding_year=1998)  # fmt: skip
        association = ref(db.session, LegalForm, "association")
        rows = {r.field: r for r in compare(db.session, recorded_from_actor(actor), found).rows}
        assert rows["name"].same  # accents and case aside
        assert rows["postcode"].same and rows["commune"].same and rows["founding_year"].same
        assert not rows["address"].same and rows["address"].applicable
        assert rows["address"].value == "12 rue Pierre Legrand"
        assert rows["legal_form"].same and rows["legal_form"].register == association.label
        assert rows["ape_code"].value == "88.99B" and rows["ape_code"].recorded == "—"
        assert rows["siae_type"].value == SiaeType.ACI.value and rows["siae_type"].applicable
        assert rows["ess"].same and not rows["ess"].applicable
        partner = {r.field: r for r in compare(db.session, recorded_from_actor(actor), found, partner=True).rows}
        assert partner["address"].applicable
        assert not partner["ape_code"].applicable and not partner["siae_type"].applicable


def test_comparison_of_an_unknown_legal_category_is_shown_not_applicable(app, httpserver):
    httpserver.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result(nature="5710")))
    found = sirene.find_establishment(sirene_client(httpserver), SIRET)
    with app.app_context():
        rows = {r.field: r for r in compare(db.session, {}, found).rows}
        assert "5710" in rows["legal_form"].register and not rows["legal_form"].applicable


def test_bulk_comparison_lists_closed_first_and_flags_them(app, services):
    closed_siret, other_siret = "73282932000074", "44306184100013"
    services.expect_request("/sirene/search", query_string={"q": closed_siret, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer(sirene_result(closed_siret, closed=True)))  # fmt: skip
    services.expect_request("/sirene/search", query_string={"q": SIRET, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer(sirene_result()))  # fmt: skip
    services.expect_request("/sirene/search", query_string={"q": other_siret, "page": "1", "per_page": "1"}) \
        .respond_with_json(sirene_answer())  # fmt: skip
    with app.app_context():
        make_actor(db.session, name="A ouvert", siret=SIRET)
        make_actor(db.session, name="B inconnu", siret=other_siret)
        make_actor(db.session, name="Z fermé", siret=closed_siret)
        make_actor(db.session, name="Sans SIRET")
        from registry.services.connectors.clients import client

        report = compare_register(db.session, client("sirene"))
        db.session.commit()
        assert [(line.actor.name, line.state) for line in report.lines] == [
            ("Z fermé", "closed"),
            ("B inconnu", "not_found"),
            ("A ouvert", "open"),
        ]
        assert "Nom" in [row.label for row in report.lines[2].differences]
        assert "1 établissement(s) fermé(s)" in report.summary
        flagged = closed_establishments(db.session)
        assert [(a.name, c.sirene_closed_on.isoformat()) for a, c in flagged] == [("Z fermé", "2024-06-30")]


def test_bulk_comparison_stops_when_the_register_is_down(app, services):
    services.expect_request("/sirene/search").respond_with_data("down", status=503)
    with app.app_context():
        sirets = ["73282932000074", SIRET, HEAD_OFFICE, "21590350100017"]
        for n, siret in enumerate(sirets):
            make_actor(db.session, name=f"Avec SIRET {n}", siret=siret)
        from registry.services.connectors.clients import client

        report = compare_register(db.session, client("sirene"))
        assert report.stopped and "erreur 503" in report.stopped
        assert len(report.lines) == 3  # given up after three in a row
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferenceCheck)) == 0


def test_bulk_geocoding_applies_good_scores_and_leaves_low_ones(app, services):
    services.expect_request("/geocodage/search", query_string={"q": "12 rue Pierre Legrand 59800 Lille",
                                                               "index": "address", "limit": "1"}) \
        .respond_with_json(geocode_answer(feature(score=0.95)))  # fmt: skip
    services.expect_request(
        "/geocodage/search", query_string={"q": "derrière la gare 59800 Lille", "index": "address", "limit": "1"}
    ).respond_with_json(geocode_answer(feature(score=0.41, label="Rue de la Gare 59800 Lille", kind="street")))
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer())
    with app.app_context():
        good = make_actor(db.session, name="Bonne adresse", address="12 rue Pierre Legrand", postcode="59800",
                          commune="Lille")  # fmt: skip
        vague = make_actor(db.session, name="Adresse vague", address="derrière la gare", postcode="59800",
                           commune="Lille")  # fmt: skip
        make_actor(db.session, name="Introuvable", address="nulle part", postcode="59000", commune="Lille")
        placed = make_actor(db.session, name="Déjà placé", address="1 place", postcode="59000", commune="Lille",
                            latitude=50.63, longitude=3.06)  # fmt: skip
        db.session.commit()
        ids = {a.name: a.id for a in (good, vague, placed)}
        from registry.services.connectors.clients import client

        report = geocode_missing(db.session, client("geocoder"), threshold=0.8, source="cli")
        db.session.commit()
        assert [a.name for a in report.applied] == ["Bonne adresse"]
        assert [(a.name, s) for a, s in report.to_check] == [("Adresse vague", 0.41)]
        assert [a.name for a in report.not_found] == ["Introuvable"]
        db.session.expire_all()
        assert (db.session.get(Actor, ids["Bonne adresse"]).latitude) == 50.631912
        assert db.session.get(Actor, ids["Adresse vague"]).latitude is None  # not applied
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_id == ids["Bonne adresse"], AuditEvent.entity_type == "Actor")
        ).all()
        assert events[-1].source == "cli" and "latitude" in events[-1].changes
        assert [(a.name, c.geocode_score) for a, c in positions_to_check(db.session)] == [("Adresse vague", 0.41)]
        assert not any(r.path.startswith("/geocodage") and "place" in r.args.get("q", "") for r, _ in services.log)


def test_bulk_geocoding_is_bounded(app, services):
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature()))
    with app.app_context():
        for n in range(4):
            make_actor(db.session, name=f"Acteur {n}", address=f"{n} rue Pierre Legrand", postcode="59800",
                       commune="Lille")  # fmt: skip
        from registry.services.connectors.clients import client

        report = geocode_missing(db.session, client("geocoder"), threshold=0.8, limit=2)
        assert len(report.applied) == 2 and len(services.log) == 2


def test_quartier_proposal_from_postcode_and_former_commune(app):
    with app.app_context():
        session = db.session
        hellemmes = ref(session, Quartier, "hellemmes")
        assert propose_quartier(session, postcode="59260", commune="Lille") == hellemmes
        assert propose_quartier(session, postcode="59000", commune="Lille", oldcity="Hellemmes-Lille") == hellemmes
        assert propose_quartier(session, postcode="59160", commune="Lomme") == ref(session, Quartier, "lomme")
        assert propose_quartier(session, postcode="59000", commune="Lille") is None  # Lille's postcodes span several

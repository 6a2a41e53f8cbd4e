"""Issue 13 item 8: no query string makes a list answer 5xx. Every back-office list (each role that sees it) and
every public listing is fuzzed over its own parameters — page, page size, sort, order, search, each filter, the
public filters — with out-of-range, malformed and random values; a list answers, or says 404 (no such page) or
400 (a NUL character) in French."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.admin_support import database
from tests.conftest import AuthActions
from tests.workbook_helpers import load_demo

#: Values that broke lists once: past the database's integers, negative, not numbers, not ASCII digits.
NASTY = ["9223372036854775807", "9223372036854775808", "-1", "-9223372036854775809", "99999999999999999999999",
         "0", "", "abc", "1e5", "1.5", " 2 ", "²", "٣", "\x00", "%", "'", "--", "NULL", "None", "__None"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=30),
)
PUBLIC_LISTINGS = {
    "/acteurs/": ["page", "q", "axe", "quartier", "secteur", "famille", "esus"],
    "/initiatives/": ["page", "q", "axe", "quartier", "secteur", "statut"],
    "/recherche": ["q", "page"],
    "/prets/": ["page"],
    "/carte/": ["axe", "quartier", "secteur", "famille", "q"],
    "/donnees/": ["tout"],
}
FUZZ = settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def demo(app):
    with database(app) as session:
        load_demo(session)


def list_views(app):
    """Every model list of the back office, with the parameters its URLs read."""
    admin = app.extensions["registry_admin"]
    for view in admin._views:
        if getattr(view, "model", None) is None or not hasattr(view, "_filter_args"):
            continue
        params = ["page", "page_size", "sort", "desc", "search"]
        params += [f"flt{n}_{key}" for key in (view._filter_args or {}) for n in (0, 1)]
        yield view, params


def fuzz(client, url: str, params: list[str]) -> None:
    @given(query=st.dictionaries(st.sampled_from(params), VALUES, min_size=1, max_size=4))
    @FUZZ
    def call(query):
        response = client.get(url, query_string=query)
        assert response.status_code < 500, (url, query)
        assert response.status_code in (200, 302, 400, 404), (url, query, response.status_code)

    call()


#: The values each parameter is tried with alone, before the random combinations.
WORST = ["9223372036854775808", "-1", "99999999999999999999999", "²", "abc", "\x00"]


@pytest.mark.parametrize("role", ["admin", "officer", "analyst"])
def test_no_admin_list_fails_on_any_query_string(app, demo, role):
    client = app.test_client()
    AuthActions(client, app).as_role(role)
    fuzzed = 0
    for view, params in list_views(app):
        if client.get(view.url + "/").status_code == 403:
            continue
        for name in params:
            for value in WORST if not name.startswith("flt1") else ():
                response = client.get(view.url + "/", query_string={name: value})
                assert response.status_code in (200, 302, 400, 404), (view.url, name, value, response.status_code)
        if role == "admin":  # the same code for every role: random combinations once
            fuzz(client, view.url + "/", params)
        fuzzed += 1
    assert fuzzed >= (15 if role == "admin" else 6)


def test_no_public_listing_fails_on_any_query_string(app, demo):
    client = app.test_client()
    for url, params in PUBLIC_LISTINGS.items():
        for name in params:
            for value in WORST:
                response = client.get(url, query_string={name: value})
                assert response.status_code in (200, 302, 400, 404), (url, name, value, response.status_code)
        fuzz(client, url, params)


def test_a_page_past_the_end_is_404_in_french(app, demo):
    client = app.test_client()
    AuthActions(client, app).as_role("officer")
    assert client.get("/admin/actor/?page=1").status_code == 200
    response = client.get("/admin/actor/?page=9223372036854775807")
    assert response.status_code == 404
    assert "Cette page de la liste n&#39;existe pas" in response.get_data(as_text=True)
    assert client.get("/admin/actor/?page=40").status_code == 404


def test_a_nul_character_is_a_french_400(app, demo):
    response = app.test_client().get("/acteurs/?q=a%00b")
    assert response.status_code == 400
    assert "caractère nul" in response.get_data(as_text=True)

"""The database server unreachable (restarting, failing over): every page answers a plain French 503 the balancer
may retry, never a 500 or a traceback, and the engine checks pooled connections before use so that the requests
after a restart reconnect by themselves (issue 16, item 3; the restart itself is in tests/test_load.py)."""

from __future__ import annotations

import socket

import pytest

from registry import create_app
from tests.conftest import make_test_config


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/registry?connect_timeout=2"
    return create_app(make_test_config(url, tmp_path_factory.mktemp("down")))


@pytest.mark.parametrize("path", ["/", "/acteurs/", "/initiatives/", "/carte/", "/prets/"])
def test_pages_that_read_the_registry_answer_a_french_503(unreachable, path):
    response = unreachable.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (path, body[:500])
    assert "momentanément" in body and "Traceback" not in body and "psycopg" not in body


def test_no_page_answers_500(unreachable):
    """Every GET address without parameters: a page that needs no database still answers; none fails with 500."""
    client = unreachable.test_client()
    paths = sorted(
        rule.rule for rule in unreachable.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments
    )
    codes = {path: client.get(path).status_code for path in paths}
    assert len(codes) > 40 and not [path for path, code in codes.items() if code >= 500 and code != 503], codes


def test_the_api_answers_json(unreachable):
    response = unreachable.test_client().get("/api/v1/actors")
    assert response.status_code == 503 and response.json["error"]["code"] == 503


def test_a_form_post_answers_503_too(unreachable):
    response = unreachable.test_client().post("/connexion", data={"email": "a@example.org", "password": "x"})
    assert response.status_code in (400, 503)  # the CSRF check may answer first; never a 500


def test_pooled_connections_are_checked_before_use(unreachable, app):
    assert unreachable.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert ("pool_pre_ping" in app.config["SQLALCHEMY_ENGINE_OPTIONS"]) is not sqlite


def test_the_health_check_says_the_database_is_unreachable(unreachable):
    response = unreachable.test_client().get("/sante")
    assert response.status_code == 503 and response.json["base"] == "injoignable"

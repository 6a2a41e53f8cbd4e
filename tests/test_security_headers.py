"""Security headers and caching: SECURITY.md items 12 and 19."""

import re

import flask
import pytest

from registry import create_app
from tests.conftest import make_test_config


def csp(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("url", ["/", "/connexion", "/demande-acces", "/page-inconnue"])
def test_every_page_carries_the_security_headers(client, url):
    response = client.get(url)
    policy = csp(response)
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # development: plain http


def test_inline_scripts_and_styles_carry_the_nonce_of_the_header(auth):
    auth.as_role("admin")
    response = auth.client.get("/admin/users/")
    nonce = re.search(r"'nonce-([^']+)'", csp(response)["script-src"]).group(1)
    assert f"'nonce-{nonce}'" in csp(response)["style-src"]
    html = response.get_data(as_text=True)
    inline = re.findall(r"<(script|style)\b([^>]*)>", html)
    assert inline
    for tag, attributes in inline:
        if tag == "script" and "src=" in attributes:
            continue
        assert f'nonce="{nonce}"' in attributes, (tag, attributes)
    assert "/static/js/admin-behaviours.js" in html  # listeners for the data attributes of our template overrides


def test_nonce_changes_at_each_request(app):
    first = csp(app.test_client().get("/"))["script-src"]
    second = csp(app.test_client().get("/"))["script-src"]
    assert first != second


@pytest.mark.parametrize("url", ["/connexion", "/mot-de-passe-oublie", "/demande-acces"])
def test_sign_in_pages_are_never_cached(client, url):
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_admin_and_signed_in_pages_are_never_cached(auth):
    assert "no-store" not in auth.client.get("/").headers.get("Cache-Control", "")
    auth.as_role("officer")
    for url in ("/", "/admin/", "/page-inconnue"):
        assert auth.client.get(url).headers["Cache-Control"] == "no-store", url


def test_static_files_stay_cacheable(auth):
    auth.as_role("officer")
    response = auth.client.get("/static/css/site.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_production_adds_hsts_and_trusts_the_configured_proxy(database_url, tmp_path):
    app = create_app(
        make_test_config(database_url, tmp_path, ENV="production", ALLOW_SQLITE_IN_PRODUCTION=True, TRUSTED_PROXIES=1)
    )
    seen = []

    def record(sender, **extra):
        seen.append((flask.request.remote_addr, flask.request.is_secure))

    flask.request_started.connect(record, app)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert seen == [("203.0.113.9", True)]  # rate limits count the client, not the proxy
    direct = app.test_client()
    direct.environ_base["REMOTE_ADDR"] = "198.51.100.4"  # not nginx: its X-Forwarded-* are not believed
    direct.get(
        "/", base_url="http://localhost", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    assert seen[-1] == ("198.51.100.4", False)


def test_csp_allows_the_map_tiles_and_nothing_else_remote(client):
    policy = client.get("/carte/").headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src")).split()
    assert "https://tile.openstreetmap.org" in img_src
    assert not [s for s in img_src if s.startswith("http") and s != "https://tile.openstreetmap.org"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "http" not in script_src and "unsafe-inline" not in script_src

"""Brute-force throttling: SECURITY.md item 16. Each test builds its own application with the limiter on (the
shared test application turns it off) and a fresh in-memory store."""

import time

import pytest
from limits.storage import MemoryStorage, RedisStorage

from registry import create_app
from registry.extensions import db, limiter
from tests.conftest import csrf_token_from, make_test_config
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def limited_app(database_url, tmp_path):
    def build(**settings):
        config = make_test_config(database_url, tmp_path, RATELIMIT_ENABLED=True, **settings)
        return create_app(config)

    yield build
    limiter.enabled = False  # the limiter object is shared by every app of the test run


def client_from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, path, **data):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_repeated_failures_on_one_account_are_throttled_from_any_address(limited_app):
    app = limited_app(RATELIMIT_LOGIN_PER_ACCOUNT="3 per 15 minutes")
    with app.app_context():
        email = make_user(db.session, role="officer").email
        db.session.commit()
    for i in range(3):
        assert attempt(client_from(app, f"10.0.0.{i}"), "/connexion", email=email, password="faux").status_code == 200
    blocked = attempt(client_from(app, "10.0.0.9"), "/connexion", email=email.upper(), password=DEFAULT_PASSWORD)
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Trop de tentatives" in html and "Patientez" in html
    assert "Retry-After" in blocked.headers
    other = attempt(client_from(app, "10.0.0.9"), "/connexion", email="autre@example.org", password="faux")
    assert other.status_code == 200  # only that account is throttled


def test_one_address_trying_many_accounts_is_throttled(limited_app):
    app = limited_app(RATELIMIT_LOGIN_PER_ADDRESS="4 per 15 minutes")
    client = client_from(app, "192.0.2.7")
    codes = [
        attempt(client, "/connexion", email=f"cible{i}@example.org", password="Printemps2024!").status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert attempt(client_from(app, "192.0.2.8"), "/connexion", email="x@example.org", password="x").status_code == 200


def test_successful_sign_ins_do_not_count(limited_app):
    app = limited_app(RATELIMIT_LOGIN_PER_ACCOUNT="2 per 15 minutes")
    with app.app_context():
        email = make_user(db.session, role="officer").email
        db.session.commit()
    for _ in range(4):
        client = client_from(app, "10.1.1.1")
        assert attempt(client, "/connexion", email=email, password=DEFAULT_PASSWORD).status_code == 302


def test_throttling_ends_by_itself(limited_app):
    """No permanent lock-out: the window moves on and the real user gets in."""
    app = limited_app(RATELIMIT_LOGIN_PER_ACCOUNT="2 per 1 second")
    with app.app_context():
        email = make_user(db.session, role="officer").email
        db.session.commit()
    client = client_from(app, "10.2.2.2")
    for _ in range(2):
        attempt(client, "/connexion", email=email, password="faux")
    assert attempt(client, "/connexion", email=email, password=DEFAULT_PASSWORD).status_code == 429
    time.sleep(1.1)
    assert attempt(client, "/connexion", email=email, password=DEFAULT_PASSWORD).status_code == 302


def test_forgotten_password_is_throttled_per_account_and_per_address(limited_app):
    app = limited_app(RATELIMIT_FORGOT_PER_ACCOUNT="2 per hour", RATELIMIT_FORGOT_PER_ADDRESS="3 per hour")
    codes = [
        attempt(client_from(app, f"10.3.0.{i}"), "/mot-de-passe-oublie", email="a@example.org").status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]
    client = client_from(app, "10.3.1.1")
    codes = [attempt(client, "/mot-de-passe-oublie", email=f"b{i}@example.org").status_code for i in range(4)]
    assert codes == [302, 302, 302, 429]


def test_account_requests_are_throttled(limited_app):
    app = limited_app(RATELIMIT_REQUEST_PER_ADDRESS="2 per hour")
    client = client_from(app, "10.4.0.1")
    data = {"full_name": "A B", "requested_role": "staff"}
    codes = [attempt(client, "/demande-acces", email=f"r{i}@example.org", **data).status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_pages_are_not_throttled_by_reading(limited_app):
    app = limited_app(RATELIMIT_LOGIN_PER_ADDRESS="1 per hour")
    client = client_from(app, "10.5.0.1")
    assert [client.get("/connexion").status_code for _ in range(5)] == [200] * 5


def test_storage_comes_from_the_configuration(limited_app):
    limited_app()
    assert isinstance(limiter.storage, MemoryStorage)
    limited_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6399/0")
    assert isinstance(limiter.storage, RedisStorage)


def test_sign_in_fails_closed_in_french_when_the_shared_store_is_down(limited_app):
    # Nothing listens on port 9; errors are handled as in production, not propagated to the test.
    app = limited_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0", PROPAGATE_EXCEPTIONS=False)
    for path, data in (("/connexion", {"password": "faux"}), ("/mot-de-passe-oublie", {})):
        response = attempt(client_from(app, "10.9.0.1"), path, email="x@example.org", **data)
        assert response.status_code == 503, path
        assert "nous ne pouvons pas vérifier le nombre de tentatives" in response.get_data(as_text=True)
    assert app.test_client().get("/").status_code == 200  # the rest of the site serves

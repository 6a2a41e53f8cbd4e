"""Sign-in and sign-out: SECURITY.md items 8, 9, 11, 14, 17, 19."""

import re
import time

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from registry.extensions import db
from registry.models import AuditAction, AuditEvent, Role, User
from registry.services.accounts import passwords
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)


def post_login(client, email, password, **query):
    token = csrf_token_from(client.get("/connexion").get_data(as_text=True))
    return client.post(
        "/connexion", query_string=query, data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.mark.parametrize(
    ("role", "landing"),
    [("officer", "/admin/"), ("analyst", "/admin/"), ("admin", "/admin/"), ("partner", "/espace-partenaire/")],
)
def test_login_lands_where_each_role_works(auth, role, landing):
    auth.as_role(role)
    response = auth.client.get("/connexion")
    assert response.status_code == 302 and response.headers["Location"] == landing


def test_login_page_links_to_forgotten_password_and_account_request(client):
    html = client.get("/connexion").get_data(as_text=True)
    assert 'href="/mot-de-passe-oublie">Mot de passe oublié ?' in html
    assert "Vous n'avez pas encore d'identifiant ?" in html and 'href="/demande-acces">Demandez-le' in html


def test_login_unknown_email_and_wrong_password_answer_the_same(client, session):
    user = make_user(session, role="officer")
    session.commit()
    unknown = post_login(client, "personne@example.org", "girafe-tramway-cerise-piano-x")
    wrong = post_login(client, user.email.upper(), "girafe-tramway-cerise-piano-x")
    assert unknown.status_code == wrong.status_code == 200
    assert without_csrf(unknown.get_data(as_text=True)).replace("personne@example.org", "E") == without_csrf(
        wrong.get_data(as_text=True)
    ).replace(user.email.upper(), "E")
    assert "Adresse électronique ou mot de passe incorrect." in unknown.get_data(as_text=True)
    assert sorted(unknown.headers.keys()) == sorted(wrong.headers.keys())


def test_login_spends_one_hash_check_whatever_the_account(client, session, monkeypatch):
    """Timing: an unknown e-mail, an invited account without password and a deactivated account each cost one
    argon2 verification, like a wrong password (see bench/login_timing.py for the measured figures)."""
    officer = make_user(session, role="officer")
    invited = make_user(session, role="analyst", password_hash=None)
    inactive = make_user(session, role="officer", active=False)
    session.commit()
    calls = []
    original = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, *a: calls.append(1) or original(self, *a))
    for email in ("personne@example.org", officer.email, invited.email, inactive.email):
        calls.clear()
        response = post_login(client, email, DEFAULT_PASSWORD if email == inactive.email else "mauvais-mot-de-passe")
        assert response.status_code == 200, email
        assert len(calls) == 1, email


def test_deactivated_account_with_right_password_gets_the_same_answer(client, session):
    user = make_user(session, role="officer", active=False)
    session.commit()
    response = post_login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in response.get_data(as_text=True)


def test_login_rehashes_a_hash_made_with_older_parameters(client, session):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(DEFAULT_PASSWORD)
    user = make_user(session, role="officer", password_hash=weak)
    session.commit()
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    session.rollback()  # a new transaction sees what the request wrote
    new_hash = session.get(User, user.id).password_hash
    assert new_hash != weak and not passwords.needs_rehash(new_hash) and "m=47104" in new_hash
    assert passwords.verify_password(new_hash, DEFAULT_PASSWORD)


def test_login_is_audited(client, session):
    user = make_user(session, role="officer")
    session.commit()
    post_login(client, user.email, DEFAULT_PASSWORD)
    session.rollback()  # a new transaction sees what the request wrote
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.LOGIN)).all()
    assert [(e.user_id, e.entity_id) for e in events] == [(user.id, user.id)]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "/\\evil.example",
        " //evil.example",
        "http:/evil",
    ],
)
def test_login_never_redirects_outside(client, session, target):
    user = make_user(session, role="officer")
    session.commit()
    response = post_login(client, user.email, DEFAULT_PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_login_follows_an_internal_next(client, session):
    user = make_user(session, role="officer")
    session.commit()
    response = post_login(client, user.email, DEFAULT_PASSWORD, next="/admin/users/?page=2")
    assert response.headers["Location"] == "/admin/users/?page=2"


def test_login_without_csrf_token_is_refused(client, session):
    user = make_user(session, role="officer")
    session.commit()
    response = client.post("/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/connexion").status_code == 200  # still anonymous


def test_login_starts_a_new_session(client, session):
    user = make_user(session, role="officer")
    session.commit()
    token = csrf_token_from(client.get("/connexion").get_data(as_text=True))
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        before = dict(sess)
    client.post("/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("csrf_token") != before.get("csrf_token")
        assert sess["_user_id"].startswith(f"{user.id}:")


def test_logout_is_post_only_and_needs_csrf(auth):
    auth.as_role("officer")
    assert auth.client.get("/deconnexion").status_code == 405
    assert auth.client.post("/deconnexion").status_code == 400
    assert auth.client.get("/admin/").status_code == 200  # still signed in
    assert auth.logout().status_code == 302
    assert auth.client.get("/admin/").status_code == 302


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def test_session_cookie_replayed_after_logout_is_refused(auth, app):
    auth.as_role("officer")
    stolen = _cookie(auth.client, "session")
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/admin/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def committed_user(app, **fields):
    """A user made in an application context of its own (the ``session`` fixture holds one for the whole test,
    which would keep ``g`` — and so Flask-WTF's cached CSRF token — from one request to the next)."""
    with app.app_context():
        user = make_user(db.session, **fields)
        db.session.commit()
        return db.session.get(User, user.id)


def test_remember_cookie_replayed_after_logout_is_refused(client, app):
    user = committed_user(app, role="officer")
    token = csrf_token_from(client.get("/connexion").get_data(as_text=True))
    response = client.post(
        "/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y", "csrf_token": token}
    )
    set_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert set_cookie and "HttpOnly" in set_cookie[0] and "SameSite=Lax" in set_cookie[0]
    remember = _cookie(client, "remember_token")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/admin/").status_code == 200  # the cookie works on its own...
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/deconnexion", data={"csrf_token": token})
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/admin/").status_code == 302  # ...and no longer after logout


def test_sign_in_older_than_its_lifetime_is_refused(client, app):
    user = committed_user(app, role="officer")
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    old = int(time.time() - app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() - 5)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{user.id}:{user.session_token}:{old}:s"
    assert client.get("/admin/").status_code == 302
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    remembered = int(time.time() - 3600)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{user.id}:{user.session_token}:{remembered}:r"
    assert client.get("/admin/").status_code == 200  # within the remember-me lifetime


def test_deactivation_and_role_change_apply_on_the_next_request(auth, app):
    user_id = auth.as_role("officer")
    assert auth.client.get("/admin/").status_code == 200
    with app.app_context():
        actor = make_user(db.session, role="partner").actor
        user = db.session.get(User, user_id)
        user.actor, user.role = actor, Role.PARTNER
        db.session.commit()
    assert auth.client.get("/admin/").status_code == 403
    assert auth.client.get("/espace-partenaire/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert auth.client.get("/espace-partenaire/").status_code == 302


def test_cookies_are_secure_in_production(tmp_path, database_url):
    from registry import create_app
    from tests.conftest import make_test_config

    app = create_app(
        make_test_config(database_url, tmp_path, ENV="production", ALLOW_SQLITE_IN_PRODUCTION=True, TESTING=False)
    )
    with app.app_context():
        user = make_user(db.session, role="officer")
        db.session.commit()
        email = user.email
    client = app.test_client()
    page = client.get("/connexion", base_url="https://registre.example.test")
    assert "Strict-Transport-Security" in page.headers
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/connexion",
        base_url="https://registre.example.test",
        headers={"Referer": "https://registre.example.test/connexion"},
        data={"email": email, "password": DEFAULT_PASSWORD, "remember": "y", "csrf_token": token},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie

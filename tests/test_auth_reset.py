"""Forgotten password and e-mailed links: SECURITY.md items 9, 17, 18."""

import logging
import re
import threading
import time
import urllib.request

import pytest
from werkzeug.serving import make_server

from registry.extensions import db
from registry.models import User
from registry.security import scrub_tokens
from registry.services.accounts import passwords
from registry.services.accounts.tokens import TokenError, make_token, read_token
from registry.services.accounts.users import set_password
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "violon-marelle-sapin-orage"


def committed_user(app, **fields) -> User:
    with app.app_context():
        user = make_user(db.session, **fields)
        db.session.commit()
        return db.session.get(User, user.id)


def ask_reset(client, email, **kwargs):
    base_url = kwargs.pop("base_url", "http://localhost")
    token = csrf_token_from(client.get("/mot-de-passe-oublie", base_url=base_url).get_data(as_text=True))
    return client.post("/mot-de-passe-oublie", base_url=base_url, data={"email": email, "csrf_token": token}, **kwargs)


def reset_link(outbox, email) -> str:
    links = [link for link in outbox.links(email) if "/mot-de-passe/" in link]
    assert links, f"no reset link sent to {email}"
    return links[-1]


def choose_password(client, link, password=NEW_PASSWORD, confirm=None):
    """Follow an e-mailed link and submit the form; returns the final POST response."""
    opened = client.get(link.replace("https://registre.example.test", ""))
    assert opened.status_code == 302 and opened.headers["Location"] == "/mot-de-passe/nouveau", opened.status_code
    token = csrf_token_from(client.get("/mot-de-passe/nouveau").get_data(as_text=True))
    return client.post(
        "/mot-de-passe/nouveau", data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, app, outbox):
    user = committed_user(app, role="officer")
    known = ask_reset(client, user.email, follow_redirects=True)
    unknown = ask_reset(client, "personne@example.org", follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)
    assert "Si un compte correspond à cette adresse" in strip(known)
    assert len(outbox.to(user.email)) == 1 and outbox.to("personne@example.org") == []


def test_reset_link_uses_the_configured_base_url_not_the_host_header(client, app, outbox):
    user = committed_user(app, role="officer")
    ask_reset(client, user.email, base_url="http://127.0.0.1:8080")  # a trusted host, but not the public one
    link = reset_link(outbox, user.email)
    assert link.startswith("https://registre.example.test/mot-de-passe/")
    assert "127.0.0.1" not in outbox.text(outbox.to(user.email)[0])


def test_a_foreign_host_header_is_refused_without_a_redirect(client, app, outbox):
    user = committed_user(app, role="officer")
    for path in ("/", "/connexion", "/admin/", "/mot-de-passe-oublie", "/espace-partenaire/"):
        response = client.get(path, base_url="http://evil.example")
        assert response.status_code == 400 and "Location" not in response.headers, path
    response = client.post("/mot-de-passe-oublie", base_url="http://evil.example", data={"email": user.email})
    assert response.status_code == 400 and outbox.to(user.email) == []


def test_reset_sets_the_password_without_signing_in_and_ends_other_sessions(client, app, outbox):
    user = committed_user(app, role="officer")
    elsewhere = app.test_client()
    token = csrf_token_from(elsewhere.get("/connexion").get_data(as_text=True))
    elsewhere.post("/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert elsewhere.get("/admin/").status_code == 200
    link = reset_link_after(client, app, outbox, user)
    outbox.clear()
    response = choose_password(client, link)
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    assert client.get("/admin/").status_code == 302  # not signed in by the reset
    assert elsewhere.get("/admin/").status_code == 302  # the other session ended
    with app.app_context():
        assert passwords.verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)
    notices = outbox.to(user.email)
    assert [m["Subject"] for m in notices] == ["Votre mot de passe a été modifié"]
    assert "toutes vos autres sessions ont été fermées" in outbox.text(notices[0])


def reset_link_after(client, app, outbox, user):
    """Ask for a reset and return the link e-mailed for it."""
    ask_reset(client, user.email)
    return reset_link(outbox, user.email)


def test_reset_link_serves_once(client, app, outbox):
    user = committed_user(app, role="officer")
    link = reset_link_after(client, app, outbox, user)
    assert choose_password(client, link).status_code == 302
    again = client.get(link.replace("https://registre.example.test", ""))
    assert again.status_code == 400
    assert "déjà servi" in again.get_data(as_text=True)


def test_reset_link_is_void_after_any_password_change(client, app, outbox):
    user = committed_user(app, role="officer")
    link = reset_link_after(client, app, outbox, user)
    with app.app_context():
        set_password(db.session, db.session.get(User, user.id), "autre-phrase-de-passe-solide")
        db.session.commit()
    assert client.get(link.replace("https://registre.example.test", "")).status_code == 400


def test_reset_link_kept_in_session_is_checked_again_at_submit(client, app, outbox):
    user = committed_user(app, role="officer")
    link = reset_link_after(client, app, outbox, user)
    client.get(link.replace("https://registre.example.test", ""))
    token = csrf_token_from(client.get("/mot-de-passe/nouveau").get_data(as_text=True))
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = client.post(
        "/mot-de-passe/nouveau", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    with app.app_context():
        assert passwords.verify_password(db.session.get(User, user.id).password_hash, DEFAULT_PASSWORD)


def test_tampered_and_expired_links_are_refused(app, session):
    user = make_user(session, role="officer")
    session.commit()
    with app.app_context():  # tokens are signed with the application's secret key
        token = make_token(user, "reset")
        assert read_token(session, token).user.id == user.id
        payload, rest = token.split(".", 1)
        for forged in (
            payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest,
            token[:-3] + "abc",
            "x.y.z",
        ):
            with pytest.raises(TokenError):
                read_token(session, forged)
        with pytest.raises(TokenError, match="expiré"):
            read_token(session, token, now=time.time() + 3601)
        invitation = make_token(user, "invite")
        assert read_token(session, invitation, now=time.time() + 3 * 24 * 3600).purpose == "invite"
        with pytest.raises(TokenError, match="expiré"):
            read_token(session, invitation, now=time.time() + app.config["INVITATION_MAX_AGE"] + 1)


def test_expired_link_page_is_french(client, app, outbox, monkeypatch):
    user = committed_user(app, role="officer")
    link = reset_link_after(client, app, outbox, user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -100)
    response = client.get(link.replace("https://registre.example.test", ""))
    assert response.status_code == 400 and "Ce lien a expiré" in response.get_data(as_text=True)


def test_reset_without_csrf_is_refused(client, app, outbox):
    user = committed_user(app, role="officer")
    link = reset_link_after(client, app, outbox, user)
    client.get(link.replace("https://registre.example.test", ""))
    response = client.post("/mot-de-passe/nouveau", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert client.post("/mot-de-passe-oublie", data={"email": user.email}).status_code == 400
    with app.app_context():
        assert passwords.verify_password(db.session.get(User, user.id).password_hash, DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court", "au moins 12 caractères"),
        ("motdepasse123", "trop facile à deviner"),
        ("soleil123456", "trop facile"),
        ("Lille2026Lille", "trop facile"),  # the site's own words (issue 16)
        ("Registre-ESS-Lille", "trop facile"),
        ("Registre ESS Lille", "trop facile"),
    ],
)
def test_reset_refuses_weak_passwords_in_french(client, app, outbox, password, message):
    user = committed_user(app, role="officer")
    response = choose_password(client, reset_link_after(client, app, outbox, user), password)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_passwords_built_from_the_persons_name_and_address_are_refused(client, app, outbox):
    user = committed_user(app, role="officer", full_name="Dominique Vandenbroucke", email="d.vandenbroucke@asso.fr")
    link = reset_link_after(client, app, outbox, user)
    for password in ("Dominique-Vandenbroucke", "dominique.vandenbroucke", "Vandenbroucke2026!"):
        response = choose_password(client, link, password)
        assert response.status_code == 200 and "trop facile" in response.get_data(as_text=True), password


def test_reset_accepts_a_long_passphrase_untruncated(client, app, outbox):
    user = committed_user(app, role="officer")
    phrase = "une très longue phrase de passe " * 20 + "fin"
    assert choose_password(client, reset_link_after(client, app, outbox, user), phrase).status_code == 302
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
        assert passwords.verify_password(stored, phrase)
        assert not passwords.verify_password(stored, phrase[:-1])


def test_scrub_tokens_hides_the_token_of_a_link():
    line = '127.0.0.1 - - "GET /mot-de-passe/eyJ1IjoxfQ.abc.def-ghi HTTP/1.1" 302 -'
    assert scrub_tokens(line) == '127.0.0.1 - - "GET /mot-de-passe/[jeton masqué] HTTP/1.1" 302 -'
    assert scrub_tokens('"POST /mot-de-passe/nouveau HTTP/1.1"') == '"POST /mot-de-passe/nouveau HTTP/1.1"'


def test_tokens_never_reach_the_access_log(app, outbox, caplog):
    user = committed_user(app, role="officer")
    with app.test_request_context():
        from registry.services.accounts.tokens import make_token
        from registry.templating import absolute_url

        with app.app_context():
            link = absolute_url("auth.password_link", token=make_token(db.session.get(User, user.id), "reset"))
    token = link.rsplit("/", 1)[1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO):
            opener = urllib.request.build_opener(NoRedirect)
            try:
                opener.open(f"http://127.0.0.1:{server.server_port}/mot-de-passe/{token}")
            except urllib.error.HTTPError as exc:
                assert exc.code == 302
    finally:
        server.shutdown()
        thread.join(5)
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/mot-de-passe/[jeton masqué]" in line for line in access), access
    assert not any(token in r.getMessage() for r in caplog.records)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

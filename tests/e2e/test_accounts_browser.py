"""The account flows in a real browser: request → approval → invitation → password → sign in → sign out, and
forgotten password → reset → sign in; screenshots of the sign-in, request and reset pages (desktop and 375 px);
no Content-Security-Policy violation on the way."""

import re
import time

import pytest
import sqlalchemy as sa

from registry.auth.deferred import drain
from registry.extensions import db
from registry.models import AccountRequest, User
from registry.services.outputs.mail import read_outbox
from tests.e2e.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, luhn_siret, make_actor, make_user

NEW_PASSWORD = "hibou-guitare-marelle-citron"


def last_link(app, address: str, wait: float = 10.0) -> str:
    """The last link e-mailed to ``address``; the forgotten-password page mails after its answer has left
    (registry/auth/deferred.py), so the browser may be faster than the message."""
    deadline = time.monotonic() + wait
    while True:
        for message in reversed(read_outbox(app.config["MAIL_OUTBOX"])):
            if address in message["To"]:
                links = re.findall(r"https?://\S+/mot-de-passe/\S+", message.get_body(("plain",)).get_content())
                if links:
                    return links[0].replace(app.config["BASE_URL"], "")
        if time.monotonic() > deadline:
            raise AssertionError(f"no link e-mailed to {address}")
        time.sleep(0.1)


def sign_in(page, email, password):
    page.goto("/connexion")
    page.get_by_label("Adresse électronique", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def choose_password(page, link, password):
    page.goto(link)
    assert page.url.endswith("/mot-de-passe/nouveau")  # the token left the address bar
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmez le mot de passe").fill(password)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.wait_for_url("**/connexion")
    assert "Votre mot de passe est enregistré" in page.content()


def test_request_approval_invitation_sign_in_and_out(app, session, watched):
    siret = luhn_siret()
    make_actor(session, name="Ateliers Navigateur de Fives", siret=siret)
    admin = make_user(session, role="admin")
    session.commit()
    admin_email = admin.email

    visitor = watched()
    visitor.goto("/connexion")
    visitor.get_by_role("link", name="Demandez-le").click()
    visitor.get_by_label("Nom et prénom").fill("Dominique Navigateur")
    visitor.get_by_label("Adresse électronique", exact=True).fill("dominique.navigateur@example.org")
    visitor.get_by_label("Partenaire (une organisation de l'ESS)").check()
    visitor.get_by_label("Organisation", exact=True).fill("Ateliers Navigateur de Fives")
    visitor.get_by_label("SIRET de l'organisation").fill(siret)
    visitor.get_by_role("button", name="Envoyer la demande").click()
    assert "Votre demande est enregistrée" in visitor.locator(".alert").inner_text()
    drain(timeout=10)  # the request is stored once the answer has left (registry/auth/deferred.py)

    officer = watched()
    sign_in(officer, admin_email, DEFAULT_PASSWORD)
    officer.wait_for_url(lambda url: "/connexion" not in url)
    officer.goto("/admin/account_requests/")
    assert "Dominique Navigateur" in officer.content()
    officer.locator("a[title='Accepter']").first.click()
    assert officer.get_by_label("Acteur existant : SIRET ou référence").input_value() == "ateliers-navigateur-de-fives"
    officer.get_by_role("button", name="Créer le compte et envoyer l'invitation").click()
    assert "Demande acceptée" in officer.locator(".alert").first.inner_text()
    assert officer.csp.violations(officer) == []

    choose_password(visitor, last_link(app, "dominique.navigateur@example.org"), NEW_PASSWORD)
    sign_in(visitor, "dominique.navigateur@example.org", NEW_PASSWORD)
    visitor.wait_for_url("**/espace-partenaire/")
    assert "Connecté : Dominique Navigateur" in visitor.locator(".site-account").inner_text()
    visitor.get_by_role("button", name="Se déconnecter").click()
    visitor.wait_for_url(lambda url: url.rstrip("/").count("/") == 2)
    assert visitor.get_by_role("link", name="M'identifier").is_visible()
    assert visitor.csp.violations(visitor) == []
    with app.app_context():
        request = db.session.scalar(
            sa.select(AccountRequest).where(AccountRequest.email == "dominique.navigateur@example.org")
        )
        assert request.user.actor.siret == siret


def test_forgotten_password_reset_and_sign_in(app, session, watched):
    user = make_user(session, role="officer", full_name="Agent Oublieux")
    session.commit()
    page = watched()
    page.goto("/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Adresse électronique de votre compte").fill(user.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    assert "Si un compte correspond à cette adresse" in page.locator(".alert").inner_text()
    choose_password(page, last_link(app, user.email), NEW_PASSWORD)
    sign_in(page, user.email, NEW_PASSWORD)
    page.wait_for_url("**/admin/")
    assert page.csp.violations(page) == []
    with app.app_context():
        assert db.session.get(User, user.id).password_changed_at is not None


@pytest.mark.parametrize(("width", "suffix"), [(1280, "desktop"), (375, "375")])
def test_account_pages_screenshots(app, session, watched, width, suffix):
    user = make_user(session, role="officer")
    session.commit()
    page = watched(width=width, height=800)
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter").click()  # shows the French errors
    screenshot(page, f"accounts-login-{suffix}")
    page.goto("/demande-acces")
    screenshot(page, f"accounts-request-{suffix}")
    page.goto("/mot-de-passe-oublie")
    screenshot(page, f"accounts-forgot-{suffix}")
    page.get_by_label("Adresse électronique de votre compte").fill(user.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    page.goto(last_link(app, user.email))
    page.get_by_label("Nouveau mot de passe").fill("court")
    page.get_by_label("Confirmez le mot de passe").fill("court")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert "au moins 12 caractères" in page.content()
    screenshot(page, f"accounts-reset-{suffix}")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the page scrolls sideways"
    assert page.csp.violations(page) == []

"""« Demandez-le » and its review by admins: SECURITY.md items 9, 10, 17, 34; issue 3 § 6."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import AccountRequest, Actor, AuditEvent, LegalForm, RequestStatus, Role, User
from registry.models.base import utcnow
from registry.services.accounts.requests import purge_account_requests
from tests.conftest import csrf_token_from
from tests.factories import luhn_siret, make_actor, make_user, ref

XSS = "<img src=x onerror=alert(1)>"


def form_data(**overrides):
    data = {
        "full_name": "Camille Martin",
        "email": "camille.martin@example.org",
        "requested_role": "partner",
        "organisation": "Les Ateliers de Fives",
        "siret": "",
        "message": "Je coordonne l'association.",
    }
    data.update(overrides)
    return data


def submit(client, **overrides):
    token = csrf_token_from(client.get("/demande-acces").get_data(as_text=True))
    return client.post("/demande-acces", data={**form_data(**overrides), "csrf_token": token})


def requests_in(app):
    with app.app_context():
        return db.session.scalars(sa.select(AccountRequest).order_by(AccountRequest.id)).all()


def test_request_form_shows_the_legal_notice(client, app):
    html = client.get("/demande-acces").get_data(as_text=True)
    assert "Mention d&#39;information" in html or "Mention d'information" in html
    assert "Finalité" in html and "examiner votre demande" in html
    assert f"supprimée {app.config['ACCOUNT_REQUEST_RETENTION_DAYS']} jours après la décision" in html
    assert f'href="mailto:{app.config["DPO_CONTACT"]}"' in html


def test_request_is_recorded_and_acknowledged(client, app, outbox):
    admin = make_user_in(app, role="admin")
    siret = luhn_siret()
    response = submit(client, siret=f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}")
    assert response.status_code == 302
    [request] = requests_in(app)
    assert (request.status, request.siret, request.consent_at is not None) == (RequestStatus.PENDING, siret, True)
    assert [m["Subject"] for m in outbox.to("camille.martin@example.org")] == ["Votre demande d'accès"]
    [notice] = outbox.to(admin.email)
    assert f"/admin/account_requests/details/?id={request.id}" in outbox.text(notice)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "123 456 789 00012", "SIRET invalide"),
        ("email", "pas-une-adresse", "Adresse électronique invalide"),
        ("organisation", "", "Indiquez le nom de votre organisation"),
    ],
)
def test_request_refuses_bad_input_in_french(client, app, field, value, message):
    data = {field: value} if value else {field: ""}
    response = submit(client, **data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert requests_in(app) == []


def test_request_answers_the_same_whether_the_address_has_an_account(client, app, outbox):
    existing = make_user_in(app, role="officer")
    known = submit(client, email=existing.email.upper())
    unknown = submit(client, email="nouvelle@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page_known = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "Votre demande est enregistrée" in page_known
    assert [r.email for r in requests_in(app)] == ["nouvelle@example.org"]
    [told] = outbox.to(existing.email)
    assert "Vous avez déjà un compte" in outbox.text(told)


def test_request_without_csrf_is_refused(client, app):
    assert client.post("/demande-acces", data=form_data()).status_code == 400
    assert requests_in(app) == []


def test_request_with_markup_is_shown_escaped_to_admins(client, app, auth):
    submit(client, full_name=XSS, organisation=XSS, message=XSS)
    [request] = requests_in(app)
    auth.as_role("admin")
    for url in (
        "/admin/account_requests/",
        f"/admin/account_requests/details/?id={request.id}",
        f"/admin/account_requests/accepter/?id={request.id}",
    ):
        html = auth.client.get(url).get_data(as_text=True)
        assert XSS not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url


def make_user_in(app, **fields) -> User:
    with app.app_context():
        user = make_user(db.session, **fields)
        db.session.commit()
        return db.session.get(User, user.id)


def pending_request(app, **fields) -> AccountRequest:
    values = dict(form_data())
    values.update(requested_role="partner", consent_at=utcnow(), siret=None)
    values.update(fields)
    with app.app_context():
        request = AccountRequest(**values)
        db.session.add(request)
        db.session.commit()
        return db.session.get(AccountRequest, request.id)


def decide(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_approve_links_the_partner_to_the_actor_with_that_siret_and_invites(auth, app, outbox):
    with app.app_context():
        actor = make_actor(db.session, siret=luhn_siret())
        db.session.commit()
        siret, slug = actor.siret, actor.slug
    request = pending_request(app, siret=siret)
    auth.as_role("admin")
    url = f"/admin/account_requests/accepter/?id={request.id}"
    page = auth.client.get(url).get_data(as_text=True)
    assert f'value="{slug}"' in page  # proposed from the SIRET
    response = decide(auth.client, url, {"role": "partner", "actor_key": slug})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == request.email))
        assert (user.role, user.actor.slug, user.password_hash) == (Role.PARTNER, slug, None)
        decided = db.session.get(AccountRequest, request.id)
        assert (decided.status, decided.user_id) == (RequestStatus.APPROVED, user.id)
    [invitation] = outbox.to(request.email)
    assert "Votre demande d'accès" in outbox.text(invitation) and "/mot-de-passe/" in outbox.text(invitation)


def test_approve_can_create_an_unpublished_actor(auth, app, outbox):
    request = pending_request(app, siret=luhn_siret())
    auth.as_role("admin")
    with app.app_context():
        form_id = ref(db.session, LegalForm, "association").id
    url = f"/admin/account_requests/accepter/?id={request.id}"
    response = decide(
        auth.client,
        url,
        {
            "role": "partner",
            "actor_key": "",
            "new_actor_name": "Ateliers de Fives",
            "new_actor_legal_form": str(form_id),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        actor = db.session.scalar(sa.select(Actor).where(Actor.name == "Ateliers de Fives"))
        assert actor is not None and actor.published is False and actor.siret == request.siret
        assert db.session.scalar(sa.select(User).where(User.email == request.email)).actor_id == actor.id


def test_approve_a_partner_needs_an_actor(auth, app):
    request = pending_request(app)
    auth.as_role("admin")
    url = f"/admin/account_requests/accepter/?id={request.id}"
    response = decide(auth.client, url, {"role": "partner", "actor_key": "inconnu-au-registre"})
    assert response.status_code == 200 and "Aucun acteur ne correspond" in response.get_data(as_text=True)
    response = decide(auth.client, url, {"role": "partner", "actor_key": ""})
    assert "Choisissez l&#39;acteur existant" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AccountRequest, request.id).status == RequestStatus.PENDING


def test_approve_a_staff_request_and_the_invitation_sets_the_password(auth, app, outbox):
    request = pending_request(app, requested_role="staff", organisation=None)
    auth.as_role("admin")
    decide(auth.client, f"/admin/account_requests/accepter/?id={request.id}", {"role": "officer"})
    [link] = [x for x in outbox.links(request.email) if "/mot-de-passe/" in x]
    visitor = app.test_client()
    assert visitor.get(link.replace(app.config["BASE_URL"], "")).status_code == 302
    form = visitor.get("/mot-de-passe/nouveau").get_data(as_text=True)
    assert "Choisir mon mot de passe" in form
    password = "violon-marelle-sapin-orage"
    visitor.post(
        "/mot-de-passe/nouveau", data={"password": password, "confirm": password, "csrf_token": csrf_token_from(form)}
    )
    token = csrf_token_from(visitor.get("/connexion").get_data(as_text=True))
    signed_in = visitor.post("/connexion", data={"email": request.email, "password": password, "csrf_token": token})
    assert signed_in.headers["Location"] == "/admin/"


def test_reject_needs_a_reason_and_emails_it(auth, app, outbox):
    request = pending_request(app)
    auth.as_role("admin")
    url = f"/admin/account_requests/refuser/?id={request.id}"
    assert "Indiquez le motif" in decide(auth.client, url, {"reason": ""}).get_data(as_text=True)
    assert decide(auth.client, url, {"reason": "Organisation hors du champ de l'ESS."}).status_code == 302
    [mail] = outbox.to(request.email)
    assert "Organisation hors du champ de l'ESS." in outbox.text(mail)
    with app.app_context():
        assert db.session.get(AccountRequest, request.id).status == RequestStatus.REJECTED
    again = auth.client.get(url)
    assert again.status_code == 302  # no longer pending: back to the list


def test_decisions_need_csrf(auth, app):
    request = pending_request(app)
    auth.as_role("admin")
    for url in (
        f"/admin/account_requests/refuser/?id={request.id}",
        f"/admin/account_requests/accepter/?id={request.id}",
    ):
        assert auth.client.post(url, data={"reason": "x", "role": "officer"}).status_code == 400
    with app.app_context():
        assert db.session.get(AccountRequest, request.id).status == RequestStatus.PENDING


@pytest.mark.parametrize("role", ["officer", "analyst", "partner"])
def test_requests_are_for_admins_only(auth, app, role):
    request = pending_request(app)
    auth.as_role(role)
    for url in (
        "/admin/account_requests/",
        f"/admin/account_requests/details/?id={request.id}",
        f"/admin/account_requests/accepter/?id={request.id}",
        "/admin/account_requests_decided/",
    ):
        assert auth.client.get(url).status_code == 403, url
    response = auth.client.post(f"/admin/account_requests/refuser/?id={request.id}", data={"reason": "x"})
    assert response.status_code in (400, 403)
    with app.app_context():
        assert db.session.get(AccountRequest, request.id).status == RequestStatus.PENDING


def test_purge_deletes_rejected_requests_after_the_retention_period(app, session):
    old = pending_request(app, email="ancien@example.org")
    recent = pending_request(app, email="recent@example.org")
    kept = pending_request(app, email="attente@example.org")
    days = app.config["ACCOUNT_REQUEST_RETENTION_DAYS"]
    for request, age in ((old, days + 1), (recent, days - 1)):
        row = session.get(AccountRequest, request.id)
        row.status, row.decided_at, row.decision_reason = RequestStatus.REJECTED, utcnow() - timedelta(days=age), "Non"
    session.commit()
    with app.app_context():  # the retention period comes from the configuration
        assert purge_account_requests(session, dry_run=True) == 1
        assert purge_account_requests(session) == 1
    session.commit()
    assert {r.email for r in session.scalars(sa.select(AccountRequest))} == {
        "recent@example.org",
        "attente@example.org",
    }
    trail = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "AccountRequest")).all()
    assert trail and all("ancien" not in (e.entity_label or "") + str(e.changes) for e in trail)
    assert kept.id


def test_purge_command(app, runner, session):
    request = pending_request(app, email="ancien@example.org")
    row = session.get(AccountRequest, request.id)
    row.status, row.decided_at = RequestStatus.REJECTED, utcnow() - timedelta(days=400)
    session.commit()
    result = runner.invoke(args=["registry", "purge-account-requests", "--dry-run"])
    assert result.exit_code == 0 and "1 demande" in result.output
    result = runner.invoke(args=["registry", "purge-account-requests"])
    assert result.exit_code == 0 and "1 demande" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(AccountRequest)) == 0
    assert re.search(r"\d+ jours", result.output)


def test_create_user_command_can_send_an_invitation(runner, app, outbox):
    result = runner.invoke(
        args=["registry", "create-user", "--email", "Invite@Example.org", "--role", "analyst", "--invite"]
    )
    assert result.exit_code == 0, result.output
    assert "invitation envoyée" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "invite@example.org"))
        assert user.password_hash is None and user.invited_at is not None
    assert any("/mot-de-passe/" in link for link in outbox.links("invite@example.org"))

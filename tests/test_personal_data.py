"""A person's rights (SECURITY.md 32–33): an officer exports everything held about one person, then erases it;
afterwards nothing of that person appears in any page, export or API answer, and the audit keeps only a
pseudonymous trace."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from registry.models import AccountRequest, Actor, AuditAction, AuditEvent, Contact, RequestedRole, RequestStatus, User
from registry.models.base import utcnow
from registry.services.privacy.personal_data import erase_person, find_person
from registry.services.records.editing import open_state
from registry.services.records.errors import ValidationError
from registry.services.records.partner_space import add_contact, update_contact, update_profile
from tests.admin_support import changed, count, database, post_form, read_form
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_actor, make_contact, make_user

NAME, EMAIL, PHONE = "Élodie Martin-Erasée", "elodie.erasee@example.org", "06 11 22 33 44"
#: Spellings under which the person could show up (HTML, JSON with \u escapes, CSV, XLSX cells).
TRACES = ("lodie Martin-Eras", "elodie.erasee", "06 11 22 33 44", "0611223344")
OTHER = "Bruno Gardé"


@pytest.fixture
def person(app):
    """The person is a public contact of one actor, a private contact of another, the partner account of the
    first (which edited its profile), an account requester, and mentioned throughout the audit."""
    with database(app) as session:
        first = make_actor(session, name="Régie Effacement", description="La régie, ses chantiers et ses habitants.")
        second = make_actor(session, name="Atelier Témoin")
        officer = make_user(session, role="officer")
        partner = make_user(session, role="partner", actor=first, email=EMAIL, full_name=NAME)
        add_contact(session, first, {"full_name": NAME, "email": EMAIL, "phone": PHONE, "public": True,
                                     "role": "Coordinatrice"}, user=partner)  # fmt: skip
        private = make_contact(session, second, full_name="elodie martin-erasee", email=EMAIL.upper())
        update_contact(
            session, private, {"full_name": NAME, "role": "Bénévole"}, user=officer, opened=open_state(private)
        )
        make_contact(session, first, full_name=OTHER, email="bruno@example.org", public=True)
        update_profile(session, first, {"website": "regie-effacement.fr"}, user=partner, opened=open_state(first))
        session.add(AccountRequest(full_name=NAME, email=EMAIL, organisation="Régie Effacement",
                                   requested_role=RequestedRole.PARTNER, consent_at=utcnow(),
                                   status=RequestStatus.APPROVED, message=f"Je suis {NAME}."))  # fmt: skip
        return {"first": first.slug, "second": second.slug, "first_id": first.id, "second_id": second.id}


def traces_in(text: str) -> list[str]:
    return [t for t in TRACES if t.lower() in text.lower()]


def body_text(response) -> str:
    """What a response holds, as text: workbooks are unzipped (cells live in XML inside)."""
    data = response.data
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return " ".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml"))
    return data.decode("utf-8", "replace")


def every_url(app, ids) -> list[str]:
    """Pages, exports and API answers that could show the person."""
    with database(app) as session:
        events = session.scalars(sa.select(AuditEvent.id)).all()
        users = session.scalars(sa.select(User.id)).all()
        contacts = session.scalars(sa.select(Contact.actor_id)).all()
    urls = [
        f"/acteurs/{ids['first']}", f"/acteurs/{ids['second']}", "/acteurs/", "/carte/", "/",
        f"/api/v1/actors/{ids['first']}", f"/api/v1/actors/{ids['second']}", "/api/v1/actors", "/api/v1/actors.geojson",
        "/donnees/acteurs.csv", "/donnees/acteurs.xlsx", "/donnees/acteurs.geojson",
        "/admin/actor/", "/admin/auditevent/?page_size=100", "/admin/a-relire/", "/admin/users/",
        "/admin/account_requests/", "/admin/account_requests_decided/", "/admin/export/registre.xlsx",
        "/admin/importbatch/",
    ]  # fmt: skip
    for actor_id in {ids["first_id"], ids["second_id"], *contacts}:
        urls += [f"/admin/actor/details/?id={actor_id}", f"/admin/actor/edit/?id={actor_id}",
                 f"/admin/actor/history/?id={actor_id}"]  # fmt: skip
    urls += [f"/admin/auditevent/details/?id={i}" for i in events]
    urls += [f"/admin/users/details/?id={i}" for i in users]
    return urls


def scan(app, ids) -> dict[str, list[str]]:
    """{url: traces found} over every URL, read by an admin (who sees everything), plus the partner space of
    the first actor's other partner and its download."""
    found = {}
    admin = app.test_client()
    AuthActions(admin, app).as_role("admin")
    for url in every_url(app, ids):
        response = admin.get(url)
        assert response.status_code in (200, 404), url
        hits = traces_in(body_text(response))
        if hits:
            found[url] = hits
    partner = app.test_client()
    with database(app) as session:
        actor = session.scalar(sa.select(Actor).where(Actor.slug == ids["first"]))
        email = make_user(session, role="partner", actor=actor).email
    AuthActions(partner, app).login(email, DEFAULT_PASSWORD)
    for url in ("/espace-partenaire/", "/espace-partenaire/contacts/", "/espace-partenaire/mes-donnees.xlsx"):
        hits = traces_in(body_text(partner.get(url)))
        if hits:
            found[url] = hits
    return found


def test_find_person_by_email_or_by_name(app, person):
    with app.app_context(), database(app) as session:
        by_email = find_person(session, email=EMAIL.upper())
        assert len(by_email.contacts) == 2 and len(by_email.users) == 1 and len(by_email.requests) == 1
        assert len(by_email.events) == 3  # her contact added, the other changed, her edit of the profile
        by_name = find_person(session, name="ELODIE   martin-erasee")  # any case, spacing, accents
        assert {c.id for c in by_name.contacts} == {c.id for c in by_email.contacts}
        assert by_name.reference != by_email.reference  # one pseudonym per search key
        assert OTHER not in {c.full_name for c in by_email.contacts}
        with pytest.raises(ValidationError):
            find_person(session)


def test_officer_downloads_everything_held_about_the_person(app, client, auth, person):
    auth.as_role("officer")
    page = client.get("/admin/donnees-personnelles/", query_string={"email": EMAIL}).get_data(as_text=True)
    assert "Contacts (2)" in page and "Comptes (1)" in page and "Demandes d'accès (1)" in page
    response = client.get("/admin/donnees-personnelles/donnees.json", query_string={"email": EMAIL})
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert {c["organisation"] for c in data["contacts"]} == {"Régie Effacement", "Atelier Témoin"}
    assert data["user_accounts"][0]["email"] == EMAIL and data["account_requests"][0]["message"] == f"Je suis {NAME}."
    assert any(e["record_type"] == "Contact" for e in data["audit_events"])
    with database(app) as session:
        secrets = session.execute(sa.select(User.password_hash, User.session_token).where(User.email == EMAIL)).one()
    assert secrets[0] not in response.get_data(as_text=True) and secrets[1] not in response.get_data(as_text=True)
    assert OTHER not in response.get_data(as_text=True)
    with database(app) as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "Person")).one()
        assert event.action == AuditAction.EXPORT and data["reference"] in event.entity_label
        assert not traces_in(json.dumps(event.changes) + event.entity_label)


def test_analysts_have_no_access_to_personal_data_rights(app, client, auth, person):
    auth.as_role("analyst")
    assert client.get("/admin/donnees-personnelles/", query_string={"email": EMAIL}).status_code == 403
    assert client.get("/admin/donnees-personnelles/donnees.json", query_string={"email": EMAIL}).status_code == 403
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/admin/donnees-personnelles/effacer",
                           data={"email": EMAIL, "confirmation": "EFFACER", "csrf_token": token})  # fmt: skip
    assert response.status_code == 403 and count(app, Contact) == 3


def test_erasure_needs_confirmation_and_a_csrf_token(app, client, auth, person):
    auth.as_role("officer")
    page = client.get("/admin/donnees-personnelles/", query_string={"email": EMAIL}).get_data(as_text=True)
    fields = read_form(page, "/effacer")
    assert (
        post_form(client, "/admin/donnees-personnelles/effacer", changed(fields, confirmation="oui")).status_code == 302
    )
    no_token = [(k, v) for k, v in changed(fields, confirmation="EFFACER") if k != "csrf_token"]
    assert post_form(client, "/admin/donnees-personnelles/effacer", no_token).status_code == 400
    assert count(app, Contact) == 3 and count(app, AccountRequest) == 1


def test_erasure_leaves_no_trace_in_any_page_export_or_api(app, client, auth, person):
    before = scan(app, person)
    for url in (f"/acteurs/{person['first']}", f"/api/v1/actors/{person['first']}", "/admin/export/registre.xlsx",
                "/admin/auditevent/?page_size=100", f"/admin/actor/history/?id={person['second_id']}",
                "/admin/users/", "/admin/account_requests_decided/", "/espace-partenaire/contacts/"):  # fmt: skip
        assert url in before, f"the scan would not see the person on {url}"
    auth.as_role("officer")
    page = client.get("/admin/donnees-personnelles/", query_string={"email": EMAIL}).get_data(as_text=True)
    response = post_form(
        client, "/admin/donnees-personnelles/effacer", changed(read_form(page, "/effacer"), confirmation="effacer"),
        follow_redirects=True,
    )  # fmt: skip
    assert "Données effacées (Personne effacée n°" in response.get_data(as_text=True)
    assert "(s)" not in response.get_data(as_text=True)  # « 1 contact supprimé », never « contact(s) supprimé(s) »
    assert scan(app, person) == {}
    with database(app) as session:
        assert count(app, Contact) == 1 and count(app, AccountRequest) == 0
        account = session.scalar(sa.select(User).where(User.actor_id == person["first_id"]).order_by(User.id))
        assert not account.active and account.password_hash is None and account.full_name.startswith("Personne effacée")
        text = json.dumps([[e.changes, e.entity_label, e.user_label] for e in session.scalars(sa.select(AuditEvent))])
        assert not traces_in(text) and not traces_in(json.loads(json.dumps(text)))
        trace = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ERASE, AuditEvent.entity_type == "Person")
        ).one()
        assert trace.entity_label.startswith("Personne effacée n° ") and "2 contact(s)" in trace.changes["erased"][1]
        assert OTHER in json.dumps([c.full_name for c in session.scalars(sa.select(Contact))], ensure_ascii=False)
    # The erased account cannot sign in, and searching again finds nothing.
    assert AuthActions(app.test_client(), app).login(EMAIL, DEFAULT_PASSWORD).status_code != 302
    page = client.get("/admin/donnees-personnelles/", query_string={"email": EMAIL}).get_data(as_text=True)
    assert "Aucune donnée trouvée." in page


def test_last_active_admin_cannot_be_erased(app):
    with app.app_context(), database(app) as session:
        admin = make_user(session, role="admin", email="seule.admin@example.org")
        with pytest.raises(ValidationError, match="dernière"):
            erase_person(session, find_person(session, email="seule.admin@example.org"), user=None)
        assert admin.active


def test_changes_about_an_erased_person_cannot_be_undone(app, person):
    from registry.services.history.reverts import revert_event

    with app.app_context(), database(app) as session:
        erase_person(session, find_person(session, email=EMAIL), user=None)
    with app.app_context(), database(app) as session:
        update = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "Contact", AuditEvent.action == AuditAction.UPDATE)
        ).one()
        with pytest.raises(ValidationError, match="effacées"):
            revert_event(session, update, user=None)
        session.rollback()

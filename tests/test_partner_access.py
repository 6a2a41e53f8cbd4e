"""A partner reads and changes only its own organisation. Two partners of two organisations prove it both ways:
every URL of the partner space and of the back office, with the other organisation's ids, forged fields and
posts without a CSRF token, is refused and leaks nothing."""

from __future__ import annotations

import re

import pytest

from registry.models import Actor, AuditAction, AuditEvent, Contact, Partnership
from tests.admin_support import changed, count, fresh, post_form, read_form
from tests.conftest import AuthActions, csrf_token_from
from tests.partner_support import sign_in
from tests.test_admin_access import admin_requests, post_data


def partner_rules(app):
    """Every URL rule of the partner space, with its methods."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("partner."):
            yield rule, sorted(rule.methods & {"GET", "POST"})


def url_with_ids(rule, contact_id: int) -> str:
    return re.sub(r"<(?:int:)?contact_id>", str(contact_id), rule.rule)


def secrets_of(org) -> list[str]:
    """What the other organisation's pages would reveal."""
    return [org.name, org.name.split()[0] + " " + org.name.split()[1], "Moulinoise" if "Moulins" in org.name
            else "Fivoise", org.siret]  # fmt: skip


def state_of(app, org) -> tuple:
    """What a forged request could have changed of an organisation."""
    actor, contact = fresh(app, Actor, org.actor_id), fresh(app, Contact, org.contact_id)
    return actor.description, actor.version, contact.full_name, contact.version


def probe_other_organisation(app, me, other) -> int:
    """As ``me``, every partner URL with ``other``'s ids and forged fields; returns how many requests."""
    client = app.test_client()
    sign_in(app, client, me)
    token = csrf_token_from(client.get("/espace-partenaire/").get_data(as_text=True))
    checked = 0
    for rule, methods in partner_rules(app):
        url = url_with_ids(rule, other.contact_id)
        for method in methods:
            if method == "GET":
                response = client.get(url, query_string={"id": other.actor_id, "actor_id": other.actor_id})
            else:
                data = {"csrf_token": token, "id": other.actor_id, "actor_id": other.actor_id, "row_version": "1",
                        "full_name": "Piraté", "description": "Piraté", "name": "Piraté"}  # fmt: skip
                response = client.post(url, data=data)
            body = response.get_data().decode("utf-8", errors="replace")
            where = f"{me.name} {method} {url}"
            if "<" in rule.rule:  # a contact of the other organisation
                assert response.status_code == 404, where
            for secret in secrets_of(other):
                assert secret not in body, f"{where} leaks {secret!r}"
            checked += 1
    return checked


def test_every_partner_url_with_the_other_organisations_ids_is_refused_both_ways(app, orgs):
    fives, moulins = orgs
    before = state_of(app, moulins)
    assert probe_other_organisation(app, fives, moulins) >= 10
    assert state_of(app, moulins) == before  # nothing of Moulins changed
    before = state_of(app, fives)
    assert probe_other_organisation(app, moulins, fives) >= 10
    assert state_of(app, fives) == before  # nothing of Fives changed


@pytest.mark.parametrize("direction", [(0, 1), (1, 0)], ids=["fives-vs-moulins", "moulins-vs-fives"])
def test_each_partner_sees_its_own_data_only(app, orgs, direction):
    me, other = orgs[direction[0]], orgs[direction[1]]
    client = app.test_client()
    sign_in(app, client, me)
    for url in ("/espace-partenaire/", "/espace-partenaire/profil", "/espace-partenaire/contacts/",
                "/espace-partenaire/partenariats", "/espace-partenaire/initiatives"):  # fmt: skip
        body = client.get(url).get_data(as_text=True)
        assert me.name in body, url
        for secret in secrets_of(other):
            assert secret not in body, f"{url} leaks {secret!r}"
    data = client.get("/espace-partenaire/mes-donnees.xlsx").data
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(data), read_only=True)
    text = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert me.name in text and other.name not in text and other.siret not in text


@pytest.mark.parametrize("direction", [(0, 1), (1, 0)], ids=["fives-vs-moulins", "moulins-vs-fives"])
def test_every_admin_url_is_refused_to_a_partner(app, orgs, direction):
    """The whole back office (each view's list, details, forms, actions, lookups, history, exports and custom
    pages) with the other organisation's ids, and with its own: 403, nothing in the body, nothing changed."""
    me, other = orgs[direction[0]], orgs[direction[1]]
    client = app.test_client()
    sign_in(app, client, me)
    for target in (other, me):
        records = {"Actor": target.actor_id, "Contact": target.contact_id, "Partnership": target.partnership_id,
                   "Initiative": target.initiative_id}  # fmt: skip
        checked = 0
        for view, name, method, url in admin_requests(app, records):
            ident = records.get(getattr(getattr(view, "model", None), "__name__", ""), 1)
            if method == "POST":
                response = client.post(url, data=post_data(client, name, ident))
            else:
                response = client.get(url)
            assert response.status_code == 403, f"{method} {url}"
            body = response.get_data(as_text=True)
            assert target.name not in body and "Fivoise" not in body and "Moulinoise" not in body, url
            checked += 1
        assert checked > 100
    for org in orgs:
        assert fresh(app, Actor, org.actor_id).version == 1
        assert fresh(app, Partnership, org.partnership_id).version == 1
    assert count(app, AuditEvent, AuditEvent.action != AuditAction.LOGIN) == 0


def test_posts_without_csrf_token_change_nothing(app, client, orgs):
    me = orgs[0]
    sign_in(app, client, me)
    profile = [(k, v) for k, v in read_form(client.get("/espace-partenaire/profil").get_data(as_text=True))
               if k != "csrf_token"]  # fmt: skip
    assert post_form(client, "/espace-partenaire/profil", changed(profile, description="Sans jeton")).status_code == 400
    new = [(k, v) for k, v in read_form(client.get("/espace-partenaire/contacts/nouveau").get_data(as_text=True))
           if k != "csrf_token"]  # fmt: skip
    assert (
        post_form(client, "/espace-partenaire/contacts/nouveau", changed(new, full_name="Sans jeton")).status_code
        == 400
    )
    edit = f"/espace-partenaire/contacts/{me.contact_id}"
    fields = [(k, v) for k, v in read_form(client.get(edit).get_data(as_text=True)) if k != "csrf_token"]
    assert post_form(client, edit, changed(fields, full_name="Sans jeton")).status_code == 400
    assert client.post(f"{edit}/supprimer", data={"row_version": "1"}).status_code == 400
    assert fresh(app, Actor, me.actor_id).description.endswith("présentation courte.")
    assert fresh(app, Contact, me.contact_id).full_name == "Camille Fivoise"
    assert count(app, Contact) == 2 and count(app, AuditEvent, AuditEvent.action != AuditAction.LOGIN) == 0


def test_anonymous_visitors_are_sent_to_sign_in(app, orgs):
    client = app.test_client()
    for rule, methods in partner_rules(app):
        url = url_with_ids(rule, orgs[0].contact_id)
        if "GET" in methods:
            response = client.get(url)
            assert response.status_code == 302 and "/connexion" in response.headers["Location"], url
            assert orgs[0].name not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "analyst", "admin"])
def test_staff_have_no_partner_space(app, client, orgs, role):
    AuthActions(client, app).as_role(role)
    for rule, methods in partner_rules(app):
        if "GET" in methods:
            assert client.get(url_with_ids(rule, orgs[0].contact_id)).status_code == 403, rule.rule


def test_deactivated_partner_is_refused_at_the_next_request(app, client, orgs):
    from tests.admin_support import database

    sign_in(app, client, orgs[0])
    assert client.get("/espace-partenaire/").status_code == 200
    with database(app) as session:
        from registry.models import User

        session.query(User).filter(User.email == orgs[0].user_email).one().active = False
    assert client.get("/espace-partenaire/").status_code in (302, 403)

"""The approval page of an account request proposes one organisation, never two: the actor with the request's
SIRET, or a new actor; it says which, and only the option ticked is used."""

from __future__ import annotations

import re

import sqlalchemy as sa

from registry.extensions import db
from registry.models import AccountRequest, Actor, LegalForm, RequestedRole, RequestStatus, User
from registry.models.base import utcnow
from tests.conftest import csrf_token_from
from tests.factories import luhn_siret, make_actor, ref


def pending(app, **fields) -> int:
    values = dict(full_name="Camille Martin", email="camille.martin@example.org", organisation="Les Ateliers de Fives",
                  requested_role=RequestedRole.PARTNER, consent_at=utcnow())  # fmt: skip
    values.update(fields)
    with app.app_context():
        request = AccountRequest(**values)
        db.session.add(request)
        db.session.commit()
        return request.id


def field_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group()
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


def checked(html: str) -> list[str]:
    tags = re.findall(r'<input[^>]*name="organisation_choice"[^>]*>', html)
    return [re.search(r'value="(\w+)"', t).group(1) for t in tags if re.search(r"\schecked[\s>]", t)]


def test_one_proposal_only_whatever_the_request(app, auth):
    with app.app_context():
        siret = luhn_siret()
        make_actor(db.session, name="Ateliers de Fives", siret=siret)
        db.session.commit()
    known = pending(app, siret=siret, email="a@example.org")
    unknown = pending(app, siret=luhn_siret(), email="b@example.org")
    without = pending(app, siret=None, email="c@example.org", organisation="Collectif Sans Siret")
    auth.as_role("admin")
    for request_id in (known, unknown, without):
        html = auth.client.get(f"/admin/account_requests/accepter/?id={request_id}").get_data(as_text=True)
        filled = [name for name in ("actor_key", "new_actor_name") if field_value(html, name)]
        assert len(filled) == 1, (request_id, filled)
        assert checked(html) == ["existing" if filled == ["actor_key"] else "new"], request_id
        assert "Seule l&#39;option cochée ci-dessous est utilisée" in html or "Seule l'option cochée" in html
    html = auth.client.get(f"/admin/account_requests/accepter/?id={known}").get_data(as_text=True)
    assert "Proposé : rattacher le compte à l'acteur existant <strong>Ateliers de Fives</strong>" in html
    html = auth.client.get(f"/admin/account_requests/accepter/?id={without}").get_data(as_text=True)
    assert "Proposé : créer un nouvel acteur, non publié, nommé <strong>Collectif Sans Siret</strong>" in html


def post(auth, request_id: int, data: dict):
    url = f"/admin/account_requests/accepter/?id={request_id}"
    token = csrf_token_from(auth.client.get(url).get_data(as_text=True))
    return auth.client.post(url, data={**data, "csrf_token": token})


def test_only_the_option_ticked_is_used(app, auth):
    with app.app_context():
        existing = make_actor(db.session, name="Acteur Existant")
        db.session.commit()
        slug, form_id = existing.slug, ref(db.session, LegalForm, "association").id
    first = pending(app, email="premier@example.org")
    second = pending(app, email="second@example.org")
    auth.as_role("admin")
    both = {"role": "partner", "actor_key": slug, "new_actor_name": "Nouvel Acteur", "new_actor_legal_form": form_id}
    assert post(auth, first, {**both, "organisation_choice": "new"}).status_code == 302
    assert post(auth, second, {**both, "organisation_choice": "existing"}).status_code == 302
    with app.app_context():
        users = {u.email: u.actor for u in db.session.scalars(sa.select(User).where(User.role == "partner"))}
        assert users["premier@example.org"].name == "Nouvel Acteur" and users["premier@example.org"].slug != slug
        assert users["second@example.org"].slug == slug
        assert db.session.scalar(sa.select(sa.func.count()).where(Actor.name == "Nouvel Acteur")) == 1


def test_existing_ticked_without_a_key_says_so(app, auth):
    request_id = pending(app)
    auth.as_role("admin")
    html = post(auth, request_id, {"role": "partner", "organisation_choice": "existing", "actor_key": ""}).get_data(
        as_text=True
    )
    assert "Indiquez le SIRET ou la référence de l&#39;acteur existant" in html
    assert checked(html) == ["existing"] and "Option cochée : rattacher le compte à l&#39;acteur existant" not in html
    with app.app_context():
        assert db.session.get(AccountRequest, request_id).status == RequestStatus.PENDING

"""Issue 13 item 3: a SIRET already taken names and links the actor holding it — one rule (clean_actor builds the
message, a Mention), linked by the back office wherever that rule refuses a form: actor creation and edit (both
the first-pass and the service paths), account request approval. The name is escaped, never injected; text
readers (importer, CLI) get the same words as plain text."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from registry.extensions import db
from registry.models import AccountRequest, Actor, LegalForm, RequestedRole
from registry.models.base import utcnow
from registry.services.records.actors import SIRET_TAKEN, clean_actor
from registry.services.records.errors import Mention, ValidationErrors
from tests.admin_support import changed, database, post_form, read_form
from tests.factories import luhn_siret, make_actor, ref
from tests.test_account_approval import post as post_approval

#: A name that would break the page if it were pasted as HTML.
TRICKY = 'Régie <script>alert("x")</script> & Cie'


@pytest.fixture
def holder(app):
    with database(app) as session:
        actor = make_actor(session, name=TRICKY, siret=luhn_siret())
        session.flush()
        return {"id": actor.id, "siret": actor.siret, "legal_form": str(ref(session, LegalForm, "association").id)}


def link_in(page: str, ident: int) -> str | None:
    match = re.search(rf'Ce SIRET est déjà celui de l(?:&#39;|\')acteur « <a href="/admin/actor/edit/\?id={ident}">'
                      r"(.*?)</a> »", page)  # fmt: skip
    return match.group(1) if match else None


ESCAPED = str(Markup.escape(TRICKY))


def test_the_service_message_is_a_mention_of_the_holder(app, holder):
    with app.app_context():
        other = Actor(
            name="Autre", siret=holder["siret"], legal_form=db.session.get(LegalForm, int(holder["legal_form"]))
        )
        with pytest.raises(ValidationErrors) as caught:
            clean_actor(db.session, other)
        message = caught.value.errors["siret"]
        assert isinstance(message, Mention) and (message.entity, message.record_id) == ("Actor", holder["id"])
        assert str(message) == SIRET_TAKEN.format(name=TRICKY)  # the plain words for text readers
        html = message.linked("/admin/actor/edit/?id=1")
        assert "<script>" not in html and ESCAPED in html and '<a href="/admin/actor/edit/?id=1">' in html
        assert message.linked(None) == str(message)
        db.session.rollback()


@pytest.mark.parametrize("with_typing_error", [False, True], ids=["service", "first-pass"])
def test_creating_an_actor_with_a_taken_siret_links_the_holder(app, client, auth, holder, with_typing_error):
    auth.as_role("officer")
    fields = read_form(client.get("/admin/actor/new/").get_data(as_text=True))
    typed = {"name": "Nouvelle structure", "legal_form": holder["legal_form"], "siret": holder["siret"]}
    if with_typing_error:
        typed["latitude"] = "cinquante"  # Flask-Admin's own check fails first: the service speaks in the same pass
    page = post_form(client, "/admin/actor/new/", changed(fields, **typed)).get_data(as_text=True)
    assert link_in(page, holder["id"]) == ESCAPED
    summary = re.search(r'<section class="alert alert-danger error-summary".*?</section>', page, re.S).group(0)
    assert link_in(summary, holder["id"]) == ESCAPED
    assert "<script>alert" not in page


def test_editing_an_actor_to_a_taken_siret_links_the_holder(app, client, auth, holder):
    with database(app) as session:
        other_id = make_actor(session, name="Deuxième structure", siret=luhn_siret()).id
    auth.as_role("officer")
    url = f"/admin/actor/edit/?id={other_id}"
    fields = read_form(client.get(url).get_data(as_text=True))
    page = post_form(client, url, changed(fields, siret=holder["siret"])).get_data(as_text=True)
    assert link_in(page, holder["id"]) == ESCAPED


def test_approving_a_request_whose_siret_is_taken_links_the_holder(app, auth, holder):
    with app.app_context():
        request = AccountRequest(
            full_name="Camille Martin",
            email="camille@example.org",
            organisation="Nouvelle",
            siret=holder["siret"],
            requested_role=RequestedRole.PARTNER,
            consent_at=utcnow(),
        )
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    auth.as_role("admin")
    data = {"role": "partner", "organisation_choice": "new", "new_actor_name": "Nouvelle",
            "new_actor_legal_form": holder["legal_form"]}  # fmt: skip
    response = post_approval(auth, request_id, data)
    page = response.get_data(as_text=True)
    if response.status_code == 302:
        page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert link_in(page, holder["id"]) == ESCAPED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor).where(Actor.name == "Nouvelle")) == 0

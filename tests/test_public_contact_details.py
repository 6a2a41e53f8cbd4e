"""The organisation's own contact details (issue 15, item 5): its e-mail and phone are not personal data; the
partner (or an officer) chooses whether they are shown, and when shown they appear on the public page, in the API
and in open data — never before. Named contacts keep their own consent."""

from __future__ import annotations

import csv
import io

from registry.models import Actor
from tests.admin_support import changed, fresh, post_form, read_form

PROFILE = "/espace-partenaire/profil"
EMAIL, PHONE = "contact@structure.example.org", "03 20 12 34 56"


def public_outputs(client, slug: str) -> dict[str, str]:
    """Where the public may read an actor: its page, the API, the CSV, the CSV for Excel."""
    rows = csv.DictReader(io.StringIO(client.get("/donnees/acteurs.csv").get_data(as_text=True)))
    return {
        "page": client.get(f"/acteurs/{slug}").get_data(as_text=True),
        "api": client.get(f"/api/v1/actors/{slug}").get_data(as_text=True),
        "csv": str(next(r for r in rows if r["slug"] == slug)),
        "excel": client.get("/donnees/acteurs-excel.csv").data.decode("utf-8-sig"),
    }


def test_partner_chooses_to_show_the_organisation_contact_details(app, client, mine):
    fields = read_form(client.get(PROFILE).get_data(as_text=True), PROFILE)
    assert "show_contact_details" not in dict(fields)  # unticked by default
    assert post_form(client, PROFILE, changed(fields, email=EMAIL, phone=PHONE)).status_code == 302
    visitor = app.test_client()
    hidden = public_outputs(visitor, mine.slug)
    assert all(EMAIL not in text and "12 34 56" not in text for text in hidden.values()), hidden.keys()
    fields = read_form(client.get(PROFILE).get_data(as_text=True), PROFILE)
    assert post_form(client, PROFILE, [*fields, ("show_contact_details", "y")]).status_code == 302
    assert fresh(app, Actor, mine.actor_id).show_contact_details is True
    assert ("show_contact_details", "y") in read_form(client.get(PROFILE).get_data(as_text=True), PROFILE)
    shown = public_outputs(visitor, mine.slug)
    for where, text in shown.items():
        assert EMAIL in text, where
        assert PHONE in text, where
    assert f'href="mailto:{EMAIL}"' in shown["page"]


def test_officer_sets_it_in_the_back_office(app, client, session, auth):
    from tests.factories import make_actor

    actor = make_actor(session, name="Structure Du Bureau", email=EMAIL, phone=PHONE)
    session.commit()
    auth.as_role("officer")
    fields = read_form(client.get(f"/admin/actor/edit/?id={actor.id}").get_data(as_text=True))
    assert "show_contact_details" not in dict(fields)
    response = post_form(client, f"/admin/actor/edit/?id={actor.id}", [*fields, ("show_contact_details", "y")])
    assert response.status_code == 302
    assert fresh(app, Actor, actor.id).show_contact_details is True
    assert f'href="mailto:{EMAIL}"' in app.test_client().get(f"/acteurs/{actor.slug}").get_data(as_text=True)

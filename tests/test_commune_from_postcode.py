"""Issue 13 item 6: an empty commune is filled from the postcode of the territory (59000, 59800, 59777 → Lille;
59160 → Lomme; 59260 → Hellemmes), by the one rule of clean_actor, so in the back office, the partner space and
the importer alike; a commune typed is kept; a save that touches neither field writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.models import Actor, AuditEvent, LegalForm
from registry.services.records.actors import clean_actor
from registry.services.records.places import POSTCODE_COMMUNES, commune_of
from tests.admin_support import changed, count, database, fresh, post_form, read_form
from tests.factories import make_actor, ref
from tests.test_partner_profile_rules import PROFILE, profile_fields
from tests.workbook_helpers import actor, actors_sheet, run, xlsx

TERRITORY = sorted(POSTCODE_COMMUNES.items())


def test_the_territory_postcodes_name_their_commune():
    assert POSTCODE_COMMUNES == {"59000": "Lille", "59800": "Lille", "59777": "Lille", "59160": "Lomme",
                                 "59260": "Hellemmes"}  # fmt: skip
    assert commune_of("59 160") == "Lomme" and commune_of(" 59260 ") == "Hellemmes"
    assert commune_of("59033") is None  # LILLE Cedex: no commune guessed
    assert commune_of("75001") is None and commune_of("abc") is None and commune_of(None) is None


@pytest.mark.parametrize(("postcode", "commune"), TERRITORY)
def test_the_service_fills_an_empty_commune(session, postcode, commune):
    record = Actor(name="Structure", legal_form=ref(session, LegalForm, "association"), postcode=postcode)
    session.add(record)
    clean_actor(session, record)
    assert record.commune == commune
    typed = Actor(name="Autre", legal_form=ref(session, LegalForm, "association"), postcode=postcode,
                  commune="Lille-Hellemmes")  # fmt: skip
    session.add(typed)
    clean_actor(session, typed)
    assert typed.commune == "Lille-Hellemmes"  # what was typed is kept
    session.rollback()


@pytest.mark.parametrize(("postcode", "commune"), TERRITORY)
def test_the_back_office_fills_the_commune(app, client, auth, postcode, commune):
    auth.as_role("officer")
    with database(app) as session:
        legal_form = str(ref(session, LegalForm, "association").id)
    fields = read_form(client.get("/admin/actor/new/").get_data(as_text=True))
    name = f"Structure {postcode}"
    typed = changed(fields, name=name, legal_form=legal_form, postcode=postcode, commune="")
    response = post_form(client, "/admin/actor/new/", typed)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with database(app) as session:
        assert session.scalar(sa.select(Actor.commune).where(Actor.name == name)) == commune


def test_an_untouched_record_without_commune_is_not_changed_by_a_save(app, client, auth):
    with database(app) as session:
        record = make_actor(session, postcode="59000")
        record.commune = None
        session.flush()
        ident = record.id
    auth.as_role("officer")
    url = f"/admin/actor/edit/?id={ident}"
    events = count(app, AuditEvent)
    assert post_form(client, url, read_form(client.get(url).get_data(as_text=True))).status_code == 302
    assert fresh(app, Actor, ident).commune is None and count(app, AuditEvent) == events
    fields = read_form(client.get(url).get_data(as_text=True))
    assert post_form(client, url, changed(fields, postcode="59160")).status_code == 302
    assert fresh(app, Actor, ident).commune == "Lomme"  # the postcode typed now fills it


def test_the_partner_space_fills_the_commune(app, client, mine):
    fields = changed(profile_fields(client), postcode="59260", commune="", description="x" * 60)
    response = post_form(client, PROFILE, fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert fresh(app, Actor, mine.actor_id).commune == "Hellemmes"


def test_the_importer_fills_the_commune(session):
    rows = [actor(1, **{"Code postal": "59800"}), actor(2, **{"Code postal": "59160", "Commune": "Lomme-Lille"}),
            actor(3, **{"Code postal": "59033"})]  # fmt: skip
    report = run(session, xlsx({"Acteurs": actors_sheet(*rows)}))
    assert report.ok and report.applied, report.to_text()
    communes = dict(session.execute(sa.select(Actor.slug, Actor.commune).where(Actor.slug.like("acteur-test-%"))).all())
    assert communes == {"acteur-test-1": "Lille", "acteur-test-2": "Lomme-Lille", "acteur-test-3": None}

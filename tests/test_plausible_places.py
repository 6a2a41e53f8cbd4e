"""Issue 13 item 6: the registry covers Lille, Hellemmes and Lomme. A postcode or a position outside them, typed in
the back office, is a warning the officer confirms with a check box: not a silent accept, not a hard refusal; an
unchanged place is never questioned again."""

from __future__ import annotations

import sqlalchemy as sa

from registry.models import Actor, LegalForm
from registry.services.records.places import place_warnings
from tests.admin_support import changed, database, post_form, read_form
from tests.factories import make_actor, ref


def new_actor_form(client, app, **values):
    with database(app) as session:
        association = str(ref(session, LegalForm, "association").id)
    fields = read_form(client.get("/admin/actor/new/").get_data(as_text=True))
    return changed(fields, name="Atelier de Roubaix", legal_form=association, **values)


def test_a_postcode_outside_is_a_warning_then_saved_once_confirmed(app, client, auth):
    auth.as_role("officer")
    refused = post_form(client, "/admin/actor/new/", new_actor_form(client, app, postcode="59100"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Le code postal 59100 est hors de Lille, Hellemmes et Lomme" in page
    confirmed = post_form(client, "/admin/actor/new/", new_actor_form(client, app, postcode="59100", confirm_place="y"))
    assert confirmed.status_code == 302
    with database(app) as session:
        assert session.scalar(sa.select(Actor.postcode).where(Actor.name == "Atelier de Roubaix")) == "59100"


def test_a_position_outside_is_a_warning(app, client, auth):
    auth.as_role("officer")
    typed = new_actor_form(client, app, latitude="48,8566", longitude="2,3522")
    page = post_form(client, "/admin/actor/new/", typed).get_data(as_text=True)
    assert "La position (48.8566, 2.3522) est hors de Lille, Hellemmes et Lomme" in page


def test_an_unchanged_place_outside_is_not_questioned_again(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        ident = make_actor(session, postcode="59100").id
    html = client.get(f"/admin/actor/edit/?id={ident}").get_data(as_text=True)
    response = post_form(client, f"/admin/actor/edit/?id={ident}", changed(read_form(html), phone="03 20 49 50 00"))
    assert response.status_code == 302


def test_places_inside_pass():
    assert place_warnings("59000", 50.6292, 3.0573) == {}
    assert place_warnings("59 260", 50.6286, 3.1089) == {}  # Hellemmes, typed with a space
    assert place_warnings("59160", 50.6406, 2.9908) == {}  # Lomme
    assert set(place_warnings("75011", 48.86, 2.38)) == {"postcode", "latitude"}

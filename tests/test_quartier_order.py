"""Issue 13 item 6: quartier lists are in one order everywhere — the back-office form and filter, the partner
profile and the public directory: Lille's quartiers by name, then Hellemmes and Lomme."""

from __future__ import annotations

import re

import sqlalchemy as sa

from registry.models import Actor, Quartier
from tests.admin_support import database
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD, make_actor, make_user


def names_in(html: str, select_name: str, names: set[str]) -> list[str]:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert block, select_name
    options = re.findall(r"<option[^>]*>([^<]*)</option>", block.group(1))
    options = [re.sub(r"\s*\([\d\s\u202f]+\)$", "", o) for o in options]  # the public facet counts « (3) »
    return [n for n in options if n in names]


def test_quartiers_are_in_one_order_everywhere(app, client):
    with database(app) as session:
        quartiers = session.scalars(sa.select(Quartier).order_by(*Quartier.in_order())).all()
        expected = [q.name for q in quartiers]
        communes = (quartiers[0].commune, quartiers[-1].commune)
        actor = make_actor(session)
        partner = make_user(session, role="partner", actor=session.get(Actor, actor.id)).email
    names = set(expected)
    assert communes[0] == "Lille" and communes[1] != "Lille"

    officer = app.test_client()
    AuthActions(officer, app).as_role("officer")
    assert names_in(officer.get("/admin/actor/new/").get_data(as_text=True), "quartier", names) == expected
    listing = officer.get("/admin/actor/").get_data(as_text=True)
    filter_names = [n for n in re.findall(r'"([^"]+)"\]', listing.replace("\\u00e9", "é")) if n in names]
    assert list(dict.fromkeys(filter_names)) == expected  # the quartier filter's options

    public = client.get("/acteurs/").get_data(as_text=True)
    assert names_in(public, "quartier", names) == expected

    space = app.test_client()
    AuthActions(space, app).login(partner, DEFAULT_PASSWORD)
    assert names_in(space.get("/espace-partenaire/profil").get_data(as_text=True), "quartier", names) == expected

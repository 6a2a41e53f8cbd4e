"""Issue 12 item 5: each public filter code is resolved once per request, however many queries (the page, its
count, the map's data) use it; a code that names nothing is still reported, not looked up again."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import Axis, Quartier, Sector
from tests.factories import make_actor

LOOKUP = re.compile(r"FROM (axes|quartiers|sectors)\b.*WHERE \1\.code = ", re.I | re.S)


def lookups_while_serving(app, client, url: str) -> list[str]:
    """The reference tables looked up by code while serving ``url``."""
    with app.app_context():
        engine = db.engine
    found: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if match := LOOKUP.search(statement):
            found.append(match.group(1))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code in (200, 400), url
    return found


@pytest.mark.parametrize(
    "path",
    ["/acteurs/", "/initiatives/", "/carte/", "/api/v1/actors", "/api/v1/actors.geojson", "/api/v1/initiatives"],
)
def test_each_filter_code_is_resolved_once_per_request(app, client, path):
    with app.app_context():
        axis, quartier, sector = (db.session.scalars(sa.select(m.code)).first() for m in (Axis, Quartier, Sector))
        make_actor(db.session, name="Filtré", published=True, quartier=quartier, axes=[axis], sectors=[sector])
        db.session.commit()
    url = f"{path}?axe={axis}&quartier={quartier}&secteur={sector}"
    assert sorted(lookups_while_serving(app, client, url)) == ["axes", "quartiers", "sectors"]
    unknown = f"{path}?axe=inconnu&quartier={quartier}"
    assert sorted(lookups_while_serving(app, client, unknown)) == ["axes", "quartiers"]


def test_a_nul_character_in_a_filter_is_a_clear_answer_not_an_error(client):
    """PostgreSQL refuses NUL in text: an address holding one is refused in French before any query (page and API)."""
    for url in ("/acteurs/?quartier=fi%00ves&q=a%00b", "/api/v1/actors?quartier=%00"):
        response = client.get(url)
        text = response.get_json()["error"]["message"] if response.is_json else response.get_data(as_text=True)
        assert response.status_code == 400 and "caractère nul" in text, url

"""Each admin list exports the rows it shows (filters, search, every page) in the registry's workbook format."""

import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from registry.models import ActorStatus, AuditAction, AuditEvent
from tests.factories import make_actor, make_partnership


def workbook_rows(response, sheet: str) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, [c.value for c in row], strict=False)) for row in ws.iter_rows(min_row=2)]


@pytest.fixture
def actors(session):
    for n in range(25):  # more than one page of the list
        make_actor(session, name=f"Régie de quartier n° {n}")
    make_actor(session, name="Épicerie solidaire")
    make_actor(session, name='=HYPERLINK("http://evil.example")')
    make_actor(session, name="Régie archivée", status=ActorStatus.ARCHIVED)
    session.commit()


def test_actor_list_export_follows_the_search_across_pages(client, auth, actors, session):
    auth.as_role("officer")
    rows = workbook_rows(client.get("/admin/actor/export/xlsx/?search=regie"), "Acteurs")
    names = {r["Nom*"] for r in rows}
    assert len(rows) == 25 and all(name.startswith("Régie de quartier") for name in names)
    assert "Régie archivée" not in names  # archived rows leave the default list, and so its export
    session.rollback()
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert "Acteurs" in event.entity_label and "25 lignes" in event.entity_label


def test_export_keeps_formula_text_as_text(client, auth, actors):
    auth.as_role("officer")
    response = client.get("/admin/actor/export/xlsx/?search=hyperlink")
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    cell = next(c for row in wb["Acteurs"].iter_rows(min_row=2) for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"


def test_partnership_export_and_amounts_stay_numbers(client, auth, session):
    make_partnership(session, object="Soutien au jardin", amount=Decimal("23000.50"))
    make_partnership(session, object="Location de salle", amount=Decimal("800"))
    session.commit()
    auth.as_role("analyst")  # analysts export too (without personal data)
    rows = workbook_rows(client.get("/admin/partnership/export/xlsx/?search=jardin"), "Partenariats")
    assert [r["Objet*"] for r in rows] == ["Soutien au jardin"]
    assert rows[0]["Montant (€)"] == 23000.5


@pytest.mark.parametrize("role", ["partner"])
def test_list_export_refused_without_the_right(client, auth, actors, role):
    auth.as_role(role)
    assert client.get("/admin/actor/export/xlsx/").status_code == 403


def test_list_export_sends_anonymous_to_sign_in(client, actors):
    response = client.get("/admin/actor/export/xlsx/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]

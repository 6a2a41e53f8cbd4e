"""The registry as of a date, rebuilt from the audit trail, against the registry as it really stood that day.

Records are created, changed, archived and removed through the audited write (``editing``) on successive days;
the test controls time by dating each day's audit events (and records) to that day. At the end of each day the
live registry *is* the registry at that date: its lists, dashboard figures and workbook export are kept, and at
the end every day is rebuilt from today's data and the trail and compared with what was kept.
"""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from registry.models import (
    Actor,
    AuditAction,
    AuditEvent,
    Axis,
    Initiative,
    InitiativePartner,
    LegalForm,
    Partnership,
    PartnershipKind,
    PartnershipStatus,
    Quartier,
    Sector,
)
from registry.services.history.as_of import end_of_day, registry_as_of
from registry.services.history.audit import snapshot
from registry.services.records import editing
from registry.services.records.actors import clean_actor
from registry.services.records.archive import archive_record
from registry.services.records.initiatives import clean_initiative
from registry.services.records.partnerships import clean_partnership
from registry.services.reporting import dashboard as figures
from registry.services.reporting.annual import build_report
from registry.services.reporting.filters import NO_FILTERS, Filters
from registry.workbook.exporter import export_registry
from tests.factories import ref

DAYS = [date(2025, 3, 3) + timedelta(days=n) for n in range(5)]
WRITE = {"user": None, "source": "cli"}
FIGURES = (
    figures.actors_by_axis_and_quartier,
    figures.initiatives_by_axis_and_quartier,
    figures.partnership_amounts_by_year_and_axis,
    figures.strategic_sectors_share,
)
FILTERS = (NO_FILTERS, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)))


def lists(session) -> dict:
    """Every actor, initiative, initiative partner and partnership, field by field (audit form), by id."""
    out = {}
    for model in (Actor, Initiative, InitiativePartner, Partnership):
        rows = session.scalars(sa.select(model).order_by(model.id)).all()
        out[model.__name__] = {row.id: {k: v for k, v in snapshot(row).items() if k != "partners"} for row in rows}
    return out


def dashboard(session) -> list:
    return [(build.__name__, f.args, build(session, f)) for build in FIGURES for f in FILTERS]


def export(session) -> dict:
    """The data sheets of the workbook export, as cell values."""
    out = io.BytesIO()
    export_registry(session, out, include_personal=False)
    wb = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    return {name: [tuple(r) for r in wb[name].iter_rows(values_only=True)] for name in ("Acteurs", "Initiatives",
            "Partenariats")}  # fmt: skip


def state(session) -> dict:
    return {"lists": lists(session), "figures": dashboard(session), "export": export(session)}


def date_the_day(session, day: date, since: int) -> int:
    """Give the events written since id ``since`` (and the records they created) the time of ``day``, noon
    in Lille; return the last event id."""
    noon = datetime(day.year, day.month, day.day, 11, 0)
    session.execute(sa.update(AuditEvent).where(AuditEvent.id > since).values(created_at=noon))
    for model in (Actor, Initiative, Partnership):
        session.execute(sa.update(model).where(model.created_at > noon).values(created_at=noon))
    last = session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    session.commit()
    return last


def new_actor(session, name: str, axes: list[str], sectors: list[str] = (), quartier: str = "fives") -> Actor:
    actor = Actor(name=name, legal_form=ref(session, LegalForm, "association"))
    actor.axes = [ref(session, Axis, c) for c in axes]
    actor.sectors = [ref(session, Sector, c) for c in sectors]
    actor.quartier = ref(session, Quartier, quartier)
    editing.create(session, actor, cleaner=clean_actor, **WRITE)
    return actor


def new_partnership(session, actor: Actor, ref_: str, amount: str, **fields) -> Partnership:
    partnership = Partnership(actor=actor, ref=ref_, kind=PartnershipKind.PROJECT_SUBSIDY, object=f"Soutien {ref_}",
                              amount=Decimal(amount), convention_date=date(2025, 3, 1), **fields)  # fmt: skip
    editing.create(session, partnership, cleaner=clean_partnership, **WRITE)
    return partnership


def change(session, record, cleaner=None, **values) -> None:
    def apply(obj):
        for key, value in values.items():
            setattr(obj, key, value)

    editing.save(session, record, apply=apply, opened=editing.AS_IS, cleaner=cleaner, **WRITE)


@pytest.fixture
def history(session):
    """Five days of work on the registry; returns {day: state at the end of that day}."""
    kept, last = {}, 0
    # Day 1: two actors, a partnership, an initiative with a partner.
    a = new_actor(session, "Recyclerie des Bois Blancs", ["entreprendre"], ["reemploi"])
    b = new_actor(session, "Jardin partagé de Fives", ["echanger"], [], "fives")
    p1 = new_partnership(session, a, "PART-2025-001", "12000", status=PartnershipStatus.SIGNED)
    initiative = Initiative(title="Atelier vélo", lead_actor=a, start_date=date(2025, 1, 1))
    initiative.axes = [ref(session, Axis, "echanger")]
    initiative.quartiers = [ref(session, Quartier, "fives")]
    initiative.partners = [InitiativePartner(actor=b, role="Accueil")]
    editing.create(session, initiative, cleaner=clean_initiative, children={"partners": lambda s, c: None}, **WRITE)
    session.commit()
    last = date_the_day(session, DAYS[0], last)
    kept[DAYS[0]] = state(session)
    # Day 2: renamed, axes and quartier changed, amount raised; a third actor.
    change(session, a, clean_actor, name="Recyclerie de Lille", axes=[ref(session, Axis, "entreprendre"),
           ref(session, Axis, "former")], quartier=ref(session, Quartier, "moulins"))  # fmt: skip
    change(session, p1, clean_partnership, amount=Decimal("15000"))
    c = new_actor(session, "Coopérative du Faubourg", ["former"], ["alimentation"])
    session.commit()
    last = date_the_day(session, DAYS[1], last)
    kept[DAYS[1]] = state(session)
    # Day 3: B archived; a partnership for C; the initiative changes its budget and loses its partner.
    editing.save(session, b, apply=archive_record, opened=editing.AS_IS, action=AuditAction.ARCHIVE, **WRITE)
    new_partnership(session, c, "PART-2025-002", "8000")
    change(session, initiative, clean_initiative, city_funding=Decimal("3000"))
    editing.save(session, initiative, apply=lambda obj: obj.partners.clear(), opened=editing.AS_IS,
                 children={"partners": lambda s, c: None}, **WRITE)  # fmt: skip
    session.commit()
    last = date_the_day(session, DAYS[2], last)
    kept[DAYS[2]] = state(session)
    # Day 4: the first partnership removed; C's sectors changed.
    editing.delete(session, p1, opened=editing.AS_IS, **WRITE)
    change(session, c, clean_actor, sectors=[ref(session, Sector, "reemploi")])
    session.commit()
    last = date_the_day(session, DAYS[3], last)
    kept[DAYS[3]] = state(session)
    # Day 5: the initiative archived, a new actor.
    editing.save(session, initiative, apply=archive_record, opened=editing.AS_IS, action=AuditAction.ARCHIVE, **WRITE)
    new_actor(session, "Régie de quartier Moulins", ["former"], [], "moulins")
    session.commit()
    date_the_day(session, DAYS[4], last)
    kept[DAYS[4]] = state(session)
    return kept


def test_each_day_rebuilt_as_it_stood(session, history):
    for day, expected in history.items():
        with registry_as_of(session, day) as snap:
            got = state(snap.session)
        assert got["lists"] == expected["lists"], day
        assert got["figures"] == expected["figures"], day
        assert got["export"] == expected["export"], day


def test_the_days_differ_and_before_the_first_the_registry_was_empty(session, history):
    states = list(history.values())
    assert all(a["lists"] != b["lists"] for a, b in itertools.pairwise(states))
    with registry_as_of(session, DAYS[0] - timedelta(days=1)) as snap:
        assert all(rows == {} for rows in lists(snap.session).values())
        assert snap.events_undone > 0
    with registry_as_of(session, DAYS[-1]) as snap:
        assert snap.events_undone == 0
        assert state(snap.session) == state(session)


def test_end_of_day_is_midnight_in_lille():
    assert end_of_day(date(2025, 12, 31)) == datetime(2025, 12, 31, 23, 0)
    assert end_of_day(date(2025, 7, 14)) == datetime(2025, 7, 14, 22, 0)


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@pytest.mark.parametrize("role", ["officer", "analyst"])
def test_the_page_lists_each_day_and_exports_it(client, auth, history, role):
    auth.as_role(role)
    first = client.get("/admin/registre-a-une-date/", query_string={"date": fr(DAYS[0])}).get_data(as_text=True)
    assert "Recyclerie des Bois Blancs" in first and "Recyclerie de Lille" not in first
    assert "Coopérative du Faubourg" not in first and "PART-2025-001" in first
    later = client.get("/admin/registre-a-une-date/", query_string={"date": fr(DAYS[3])}).get_data(as_text=True)
    assert "Recyclerie de Lille" in later and "Coopérative du Faubourg" in later
    assert "PART-2025-001" not in later and "Régie de quartier Moulins" not in later
    for day, expected in history.items():
        response = client.get("/admin/registre-a-une-date/export.xlsx", query_string={"date": fr(day)})
        assert response.status_code == 200
        assert f"registre-ess-au-{day:%Y-%m-%d}.xlsx" in response.headers["Content-Disposition"]
        wb = load_workbook(io.BytesIO(response.data), read_only=True)
        assert "Contacts" not in wb.sheetnames
        for name, rows in expected["export"].items():
            assert [tuple(r) for r in wb[name].iter_rows(values_only=True)] == rows, (day, name)


def test_the_dashboard_as_of_a_date(client, auth, history):
    auth.as_role("analyst")
    page = client.get("/admin/", query_string={"date": fr(DAYS[0])}).get_data(as_text=True)
    assert f"Registre à la date du {fr(DAYS[0])}" in page
    response = client.get("/admin/tableau/acteurs-axes-quartiers.xlsx", query_string={"date": fr(DAYS[0])})
    assert response.status_code == 200 and f"au-{DAYS[0]:%Y-%m-%d}" in response.headers["Content-Disposition"]
    table = load_workbook(io.BytesIO(response.data), read_only=True).active
    cells = [c for row in table.iter_rows(values_only=True) for c in row if c is not None]
    assert f"Registre à la date du {fr(DAYS[0])}." in " ".join(str(c) for c in cells)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2025", "n'est pas une date"),
        ("demain", "n'est pas une date"),
        ("01/01/2999", "dans le futur"),
        ("01/01/1900", "antérieur au registre"),
    ],
)
def test_a_bad_date_is_explained_in_french(client, auth, typed, message):
    auth.as_role("officer")
    for url in ("/admin/", "/admin/registre-a-une-date/"):
        response = client.get(url, query_string={"date": typed})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True).replace("&#39;", "'")
    response = client.get("/admin/registre-a-une-date/export.xlsx", query_string={"date": typed})
    assert response.status_code == 302


def test_partners_do_not_see_the_past(client, auth):
    auth.as_role("partner")
    for url in ("/admin/registre-a-une-date/", "/admin/registre-a-une-date/export.xlsx"):
        response = client.get(url, query_string={"date": "31/12/2025"})
        assert response.status_code in (302, 403)
        assert b"PK" not in response.data[:2]


def test_the_annual_report_reads_the_registry_as_of_31_december(session, history):
    before = build_report(session, 2025)
    assert before.key_figures and any(k.value for k in before.key_figures)
    last = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    actor = session.scalar(sa.select(Actor).where(Actor.name == "Recyclerie de Lille"))
    editing.save(session, actor, apply=archive_record, opened=editing.AS_IS, action=AuditAction.ARCHIVE, **WRITE)
    new_actor(session, "Arrivée en 2026", ["former"])
    session.commit()
    date_the_day(session, date(2026, 1, 5), last)
    after = build_report(session, 2025)
    assert [(k.label, k.value) for k in after.key_figures] == [(k.label, k.value) for k in before.key_figures]
    assert after.tables == before.tables
    assert "31 décembre 2025" in after.basis

"""Every back-office list runs a bounded number of SQL queries, whatever the page size (no N+1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import AuditAction, LoanReport
from registry.services.history.audit import record_event
from tests.admin_support import database
from tests.factories import make_actor, make_contact, make_initiative, make_partnership, make_programme

LISTS = ("actor", "initiative", "partnership", "loanprogramme", "loanreport", "auditevent", "a-relire", "importbatch")


def count_queries(app, client, url: str) -> int:
    """SQL statements run while serving ``url`` (SQLAlchemy's before_cursor_execute event)."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return len(statements)


@pytest.fixture
def many_rows(app):
    """A little over 100 rows of everything a list shows, with the relations each row displays."""
    with database(app) as session:
        lender = make_actor(session, name="Prêteur")
        for _ in range(105):
            actor = make_actor(session, axes=["entreprendre", "consommer"], quartier="fives", sectors=[])
            make_contact(session, actor)
            make_initiative(session, lead=actor, quartiers=["fives", "lille-moulins"], axes=["echanger", "consommer"])
            make_partnership(session, actor=actor)
            programme = make_programme(session, lender=lender)
            session.add(
                LoanReport(
                    programme=programme,
                    period_start=date(2025, 1, 1),
                    period_end=date(2025, 3, 31),
                    loans_granted=1,
                    amount_granted=Decimal("1000"),
                )
            )
            record_event(session, action=AuditAction.UPDATE, source="partner", obj=actor, changes={"name": ["a", "b"]})


@pytest.mark.parametrize("endpoint", LISTS)
def test_list_query_count_is_the_same_for_20_and_100_rows(app, client, auth, many_rows, endpoint):
    auth.as_role("officer")
    small = count_queries(app, client, f"/admin/{endpoint}/?page_size=20")
    large = count_queries(app, client, f"/admin/{endpoint}/?page_size=100")
    assert small == large, f"{endpoint}: {small} queries for 20 rows, {large} for 100"
    assert large <= 12, f"{endpoint}: {large} queries"


def test_search_and_filters_keep_the_query_count(app, client, auth, many_rows):
    auth.as_role("officer")
    plain = count_queries(app, client, "/admin/actor/?page_size=100")
    assert count_queries(app, client, "/admin/actor/?page_size=100&search=association") == plain

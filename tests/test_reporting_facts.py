"""The dashboard's facts as read from the database: each engine sends dates and amounts in its cheapest form
(``reporting.facts.Day``, ``Cents``) and NumPy turns them into days ``YYYYMMDD`` and exact cents; ids become rows
through a lookup table or, for sparse ids, a binary search; a value that would shift the columns is an error."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa

from registry.models import ActorStatus, Partnership, PartnershipStatus
from registry.services.reporting import facts
from tests.factories import make_actor, make_initiative, make_partnership


def test_dates_amounts_and_missing_values_read_exactly(session):
    """Edge values through ``facts.load``: timestamps, dates before 1970 and far ahead, each of the three dates
    a partnership is counted at, amounts with cents up to the largest ``Money``, and the missing ones."""
    actor = make_actor(session, quartier=None, status=ActorStatus.ARCHIVED)
    actor.created_at = datetime(2021, 12, 31, 23, 59, 59, 999_999)
    other = make_actor(session)
    other.created_at = datetime(1969, 7, 20, 20, 17)
    cases = [  # (convention, start, decision, amount) → (day, cents)
        ((date(2024, 2, 29), date(2023, 1, 1), None, Decimal("0.07")), (20240229, 7)),
        ((None, date(1969, 12, 31), date(1960, 1, 1), Decimal("1234.56")), (19691231, 123456)),
        ((None, None, date(1900, 3, 1), Decimal("9999999999.99")), (19000301, 999999999999)),
        ((None, None, None, None), (0, 0)),
        ((date(2099, 12, 31), None, None, Decimal("0.1")), (20991231, 10)),
    ]
    made = []
    for (convention, start, decision, amount), _expected in cases:
        made.append(
            make_partnership(
                session,
                actor,
                convention_date=convention,
                start_date=start,
                decision_date=decision,
                amount=amount,
                status=PartnershipStatus.DRAFT if amount is None else PartnershipStatus.SIGNED,
            )
        )
    running = make_initiative(session, lead=actor, start_date=date(1950, 5, 17))
    ended = make_initiative(session, lead=other, start_date=None, end_date=date(2030, 1, 31))
    session.flush()

    read = facts.load(session)
    rows = {int(i): r for r, i in enumerate(read.actor_ids)}
    assert read.actor_day[rows[actor.id]] == 20211231 and read.actor_day[rows[other.id]] == 19690720
    assert read.actor_quartier[rows[actor.id]] == -1 and read.actor_archived[rows[actor.id]]
    assert read.actor_quartier[rows[other.id]] >= 0 and not read.actor_archived[rows[other.id]]
    found = {}
    for r in range(len(read.partnership_actor)):
        found.setdefault(int(read.partnership_day[r]), []).append(int(read.partnership_cents[r]))
    for p, (_fields, (day, cents)) in zip(made, cases, strict=True):
        assert cents in found.get(day, []), (p.id, day, cents, found)
    assert set(read.partnership_actor.tolist()) == {rows[actor.id]}
    assert sorted(read.partnership_counted.tolist()) == [False, True, True, True, True]
    leads = dict(zip(read.initiative_start.tolist(), read.initiative_lead.tolist(), strict=True))
    ends = dict(zip(read.initiative_start.tolist(), read.initiative_end.tolist(), strict=True))
    assert leads == {19500517: rows[actor.id], 0: rows[other.id]} and ends == {19500517: facts.NO_END, 0: 20300131}
    assert ended.id and running.id


def test_a_null_would_shift_the_columns_so_it_is_refused(session):
    make_partnership(session, amount=None)
    with pytest.raises(ValueError, match="values of"):
        facts._columns(session.connection(), Partnership.__table__, Partnership.id, Partnership.amount)


@pytest.mark.parametrize("ids", [[3, 1, 2, 7], [5, 10_000_000, 42, 1]], ids=["dense", "sparse"])
def test_ids_become_rows_and_unknown_ids_none(ids):
    rows_of = facts._indexer(np.array(ids, dtype=np.int64))
    values = np.array([*ids, 0, -5, 4, 99_999_999], dtype=np.int64)
    assert rows_of(values).tolist() == [*range(len(ids)), -1, -1, -1, -1]
    assert facts._indexer(np.zeros(0, dtype=np.int64))(values).tolist() == [-1] * len(values)


def test_days_since_1970_become_calendar_days():
    epoch = date(1970, 1, 1)
    days = np.arange(-800_000, 3_000_000, 997, dtype=np.int64)
    days = days[(days >= (date(1, 1, 1) - epoch).days) & (days <= (date(9999, 12, 31) - epoch).days)]
    expected = [int((epoch + timedelta(days=int(d))).strftime("%Y%m%d")) for d in days]
    assert facts._civil_days(days).tolist() == expected
    assert facts._civil_days(np.array([0, -1, 59, 60], dtype=np.int64)).tolist() == [
        19700101,
        19691231,
        19700301,
        19700302,
    ]


def test_each_table_is_read_in_one_statement(session):
    make_partnership(session)
    statements = []
    engine = session.get_bind()

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        facts.load(session)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    large = ("FROM actors", "FROM partnerships", "FROM initiatives", "FROM actor_axes", "FROM actor_sectors")
    for table in large:
        assert sum(table in s for s in statements) == 1, (table, statements)

"""Time of « Registre à une date » (``registry.services.history.as_of``): rebuilding the registry of a day from
the audit trail, and the dashboard's figures on it, for the demo registry and for 10,000 actors with a year of
history (2,000 initiatives, 20,000 partnerships, every record created during 2025 and each actor changed four
times, about 72,000 audit events).

Usage::

    .venv/bin/python -m bench.as_of                      # SQLite, in a temporary file
    .venv/bin/python -m bench.as_of --postgres postgresql+psycopg://postgres@127.0.0.1:55432/<db>

Each date is rebuilt ``--runs`` times; the median is printed. Nothing is asserted: this prints figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bench.admin import _config

DATES = [date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31)]
UPDATES_PER_ACTOR = 4


def _history(engine, rnd: random.Random) -> int:
    """A year of audit events for every row: its creation, and four changes of each actor's staff; returns
    the number of events."""
    from registry.models import Actor, AuditEvent, Initiative, Partnership

    year = datetime(2025, 1, 1)
    rows = []
    with engine.begin() as conn:
        staff_of = dict(conn.execute(sa.select(Actor.id, Actor.employees)).all())
        for model in (Actor, Initiative, Partnership):
            for (ident,) in conn.execute(sa.select(model.id)):
                created = year + timedelta(days=rnd.randint(0, 180), hours=10)
                base = {
                    "source": "import",
                    "entity_type": model.__name__,
                    "entity_id": ident,
                    "personal": False,
                    "actor_id": None,
                }
                rows.append(base | {"action": "create", "created_at": created, "changes": {"id": [None, ident]}})
                if model is Actor:
                    staff = staff_of[ident]
                    days = sorted(rnd.sample(range(1, 364 - (created - year).days), UPDATES_PER_ACTOR))
                    for day in reversed(days):
                        before = rnd.randint(0, 80)
                        when = created + timedelta(days=day)
                        rows.append(base | {"action": "update", "created_at": when, "actor_id": ident,
                                            "changes": {"employees": [before, staff]}})  # fmt: skip
                        staff = before
                    conn.execute(sa.update(Actor).where(Actor.id == ident).values(created_at=created))
        rows.sort(key=lambda r: r["created_at"])
        for i in range(0, len(rows), 5000):
            conn.execute(sa.insert(AuditEvent.__table__), rows[i : i + 5000])
    return len(rows)


def _time(session, day: date, runs: int) -> tuple[float, float, int]:
    """(median ms of the rebuild, median ms of rebuild + dashboard figures, events undone)."""
    from registry.services.history.as_of import registry_as_of
    from registry.services.reporting import dashboard as figures

    rebuild, with_figures, undone = [], [], 0
    for _ in range(runs):
        t = time.perf_counter()
        with registry_as_of(session, day) as snap:
            rebuild.append((time.perf_counter() - t) * 1000)
            for build in (figures.actors_by_axis_and_quartier, figures.initiatives_by_axis_and_quartier,
                          figures.partnership_amounts_by_year_and_axis, figures.strategic_sectors_share):  # fmt: skip
                build(snap.session)
            undone = snap.events_undone
        with_figures.append((time.perf_counter() - t) * 1000)
        session.rollback()
    return statistics.median(rebuild), statistics.median(with_figures), undone


def run(url: str, runs: int) -> None:
    from flask_migrate import upgrade

    from bench.datagen import populate
    from registry import create_app
    from registry.extensions import db
    from registry.services.reference.loading import load_reference
    from registry.workbook.demo import load_demo

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        db.session.execute(sa.text("DELETE FROM audit_events"))
        load_reference(db.session)
        db.session.commit()
        load_demo(db.session)
        db.session.commit()
        today = date.today()
        print(f"{'registre':<34} {'date':>10} {'annulés':>8} {'reconstitution':>15} {'+ chiffres':>11}")
        for day in (today, today - timedelta(days=1)):
            ms, total, undone = _time(db.session, day, runs)
            print(f"{'démo':<34} {day:%d/%m/%Y} {undone:>8} {ms:>12.0f} ms {total:>8.0f} ms")
        db.session.execute(sa.text("DELETE FROM audit_events"))
        for table in ("partnerships", "initiative_partners", "initiative_quartiers", "initiative_sectors",
                      "initiative_axes", "loan_reports", "loan_programme_axes", "loan_programmes", "initiatives",
                      "contacts", "actor_axes", "actor_sectors", "actors"):  # fmt: skip
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        populate(db.engine, actors=10_000, initiatives=2_000, partnerships=20_000, verbose=False)
        events = _history(db.engine, random.Random(7))
        label = f"10 000 acteurs, {events} événements"
        for day in DATES:
            ms, total, undone = _time(db.session, day, runs)
            print(f"{label:<34} {day:%d/%m/%Y} {undone:>8} {ms:>12.0f} ms {total:>8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL URL (an empty database: its tables are emptied)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.postgres:
        run(args.postgres, args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/as_of.sqlite", args.runs)


if __name__ == "__main__":
    main()

"""Median server time of back-office pages on a large registry (100,000 actors, 20,000 initiatives,
200,000 partnerships), on SQLite and on PostgreSQL.

Usage::

    .venv/bin/python -m bench.admin                       # SQLite (database kept in bench/out/ for reruns)
    .venv/bin/python -m bench.admin --postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres
    .venv/bin/python -m bench.admin --fresh --runs 21     # rebuild the data; more runs per page

Each page is requested through the application (Flask's test client, so the figure is the server's time
without the network), once to warm up and then ``--runs`` times; the median and the number of SQL
statements of one request are printed. Nothing is asserted: this prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.pg import bench_database

OUT = Path(__file__).resolve().parent / "out"
SIZES = {"actors": 100_000, "initiatives": 20_000, "partnerships": 200_000}
PAGES = [
    ("Acteurs (liste, 20)", "/admin/actor/"),
    ("Acteurs (liste, 100)", "/admin/actor/?page_size=100"),
    ("Acteurs : recherche « regie fives »", "/admin/actor/?search=regie+fives"),
    ("Acteurs : filtre axe", "/admin/actor/?flt0_axe_comprend={axis}"),
    ("Acteurs : filtre quartier + statut", "/admin/actor/?flt0_quartier_est={quartier}&flt1_statut_est=active"),
    ("Initiatives (liste)", "/admin/initiative/"),
    ("Initiatives : filtre quartier", "/admin/initiative/?flt0_quartier_comprend={quartier}"),
    ("Partenariats (liste)", "/admin/partnership/"),
    ("Partenariats : recherche « bench-00123 »", "/admin/partnership/?search=BENCH-00123"),
    (
        "Partenariats : filtre année + montant",
        "/admin/partnership/?flt0_annee_est=2022&flt1_montant_au_moins_eur=50000",
    ),
    ("Journal des modifications", "/admin/auditevent/"),
    ("Tableau de bord", "/admin/"),
    ("Tableau de bord filtré (année + quartier, en cache)", "/admin/?annee=2022&quartier={quartier_code}"),
]
#: Filter combinations whose dashboard is computed afresh (the uncached path a new filter takes): the whole page,
#: its figures computed from the registry's facts (``reporting.facts``), and once those facts brought up to date (the
#: first visit after a write: the changed rows read from the change log and merged).
DASHBOARD_FILTERS = [
    ("aucun filtre", {}),
    ("année 2022", {"annee": "2022"}),
    ("axe", {"axe": "{axis_code}"}),
    ("quartier", {"quartier": "{quartier_code}"}),
    ("famille association", {"famille": "association"}),
    ("année + axe + quartier", {"annee": "2022", "axe": "{axis_code}", "quartier": "{quartier_code}"}),
    ("période + secteur", {"du": "2021-01-01", "au": "2023-12-31", "secteur": "{sector_code}"}),
]


def build(url: str, fresh: bool) -> str:
    """Create (or reuse) the benchmark database at ``url``; returns the officer's e-mail."""
    from flask_migrate import upgrade

    from bench.datagen import populate
    from registry import create_app
    from registry.extensions import db
    from registry.models import Actor, User
    from registry.services.reference.loading import load_reference
    from tests.factories import make_user

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        if fresh or not db.session.scalar(sa.select(sa.func.count()).select_from(Actor)):
            load_reference(db.session)
            db.session.commit()
            populate(db.engine, **SIZES)
        user = db.session.scalar(sa.select(User).where(User.email == "bench.officer@example.org"))
        if user is None:
            user = make_user(db.session, role="officer", email="bench.officer@example.org")
            db.session.commit()
        return user.email


def _config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret",
        "RATELIMIT_ENABLED": False,
        "MAIL_OUTBOX": tempfile.mkdtemp(),
        "WTF_CSRF_ENABLED": True,
    }


def measure(url: str, email: str, runs: int, dashboard_only: bool = False) -> list[tuple[str, float, int]]:
    """(page, median ms, SQL statements) for every page."""
    from registry import create_app
    from registry.extensions import db
    from tests.conftest import AuthActions
    from tests.factories import DEFAULT_PASSWORD

    app = create_app(_config(url))
    client = app.test_client()
    assert AuthActions(client, app).login(email, DEFAULT_PASSWORD).status_code == 302, "sign-in failed"
    with app.app_context():
        engine = db.engine
        axis = db.session.execute(sa.text("SELECT min(id) FROM axes")).scalar()
        quartier = db.session.execute(sa.text("SELECT min(id) FROM quartiers")).scalar()
        codes = {
            "axis_code": db.session.execute(sa.text("SELECT code FROM axes ORDER BY id LIMIT 1")).scalar(),
            "quartier_code": db.session.execute(sa.text("SELECT code FROM quartiers ORDER BY id LIMIT 1")).scalar(),
            "sector_code": db.session.execute(
                sa.text("SELECT code FROM sectors WHERE strategic ORDER BY id LIMIT 1")
            ).scalar(),
        }
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results = []
    for label, page in [] if dashboard_only else PAGES:
        path = page.format(axis=axis, quartier=quartier, **codes)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        timings = []
        for _ in range(runs):
            statements.clear()
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        results.append((label, statistics.median(timings), len(statements)))
    for label, args in DASHBOARD_FILTERS:
        args = {k: v.format(**codes) for k, v in args.items()}
        results.append((f"Tableau de bord, filtre nouveau : {label}", *_new_filter(client, runs, statements, args)))
    for label, args in DASHBOARD_FILTERS[:1] + DASHBOARD_FILTERS[-2:-1]:
        args = {k: v.format(**codes) for k, v in args.items()}
        results.append(
            (f"Tableau de bord après une écriture : {label}", *_new_filter(client, runs, statements, args, True))
        )
    return results


def _new_filter(client, runs: int, statements: list, args: dict, written: bool = False) -> tuple[float, int]:
    """The dashboard page under ``args`` as on the first visit of that filter combination: its figures are not
    cached, the registry's facts are (``written``: the first visit after a write — one actor's head count is
    changed and committed first, so the data version moves and nothing cached serves: neither the facts nor the
    pending-conventions count)."""
    from registry.admin import dashboard
    from registry.extensions import db
    from registry.models import Actor

    timings = []
    for _ in range(max(3, runs // 2)):
        dashboard._cache.clear()
        if written:
            with client.application.app_context():
                actor = db.session.scalars(sa.select(Actor).order_by(Actor.id).limit(1)).one()
                actor.employees = ((actor.employees or 0) + 1) % 50
                db.session.commit()
        statements.clear()
        start = time.perf_counter()
        response = client.get("/admin/", query_string=args)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (args, response.status_code)
    return statistics.median(timings), len(statements)


def report(engine_name: str, results: list[tuple[str, float, int]]) -> None:
    print(f"\n{engine_name} — {SIZES['actors']:,} acteurs, {SIZES['initiatives']:,} initiatives, "
          f"{SIZES['partnerships']:,} partenariats".replace(",", " "))  # fmt: skip
    print(f"{'page':<58} {'médiane':>10} {'requêtes SQL':>13}")
    for label, median, queries in results:
        print(f"{label:<58} {median:>7.1f} ms {queries:>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL; a database (--pg-database) is created there")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even if the database holds some")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--pg-database", default="registry_bench_admin", help="database created on that server")
    parser.add_argument("--dashboard-only", action="store_true", help="only the dashboard computed afresh")
    args = parser.parse_args()
    if not args.skip_sqlite:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "bench-admin.sqlite"
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        report("SQLite", measure(url, build(url, args.fresh), args.runs, args.dashboard_only))
    if args.postgres:
        url, _created = bench_database(args.postgres, args.pg_database, fresh=args.fresh)
        report("PostgreSQL", measure(url, build(url, args.fresh), args.runs, args.dashboard_only))


if __name__ == "__main__":
    main()

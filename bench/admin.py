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


def measure(url: str, email: str, runs: int) -> list[tuple[str, float, int]]:
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
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results = []
    for label, page in PAGES:
        path = page.format(axis=axis, quartier=quartier)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        timings = []
        for _ in range(runs):
            statements.clear()
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        results.append((label, statistics.median(timings), len(statements)))
    results.append(("Tableau de bord, calcul sans cache", *_cold_dashboard(app, runs, statements)))
    return results


def _cold_dashboard(app, runs: int, statements: list) -> tuple[float, int]:
    """The dashboard's figures computed by the database, as on the first visit after a change."""
    from registry.admin.dashboard import FIGURES
    from registry.extensions import db

    timings = []
    with app.test_request_context():
        for _ in range(max(3, runs // 3)):
            statements.clear()
            start = time.perf_counter()
            for build in FIGURES.values():
                build(db.session)
            timings.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    return statistics.median(timings), len(statements)


def report(engine_name: str, results: list[tuple[str, float, int]]) -> None:
    print(f"\n{engine_name} — {SIZES['actors']:,} acteurs, {SIZES['initiatives']:,} initiatives, "
          f"{SIZES['partnerships']:,} partenariats".replace(",", " "))  # fmt: skip
    print(f"{'page':<45} {'médiane':>10} {'requêtes SQL':>13}")
    for label, median, queries in results:
        print(f"{label:<45} {median:>7.1f} ms {queries:>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL; a database registry_bench_admin is created there")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even if the database holds some")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "bench-admin.sqlite"
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        report("SQLite", measure(url, build(url, args.fresh), args.runs))
    if args.postgres:
        server = sa.engine.make_url(args.postgres)
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = 'registry_bench_admin'"))
            if exists and args.fresh:
                conn.exec_driver_sql('DROP DATABASE "registry_bench_admin" WITH (FORCE)')
                exists = False
            if not exists:
                conn.exec_driver_sql('CREATE DATABASE "registry_bench_admin"')
        admin.dispose()
        url = server.set(database="registry_bench_admin").render_as_string(hide_password=False)
        report("PostgreSQL", measure(url, build(url, args.fresh), args.runs))


if __name__ == "__main__":
    main()

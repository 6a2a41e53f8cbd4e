"""Benchmark of the public directory with 100,000 actors, on SQLite and PostgreSQL. Prints the figures.

Usage::

    .venv/bin/python -m bench.public                      # SQLite (bench/out/public.sqlite)
    .venv/bin/python -m bench.public --pg postgresql+psycopg://postgres@127.0.0.1:55432/postgres
    .venv/bin/python -m bench.public --rebuild            # drop the cached database and populate again

The database is built by the migrations, filled once by ``bench.datagen.populate`` and kept for the next run.
Each page is requested through the application (Flask test client: routing, query, template) ``--runs``
times after a warm-up; the median and the 95th percentile are printed, with the counts remembered (warm, as
between two changes of the data) and recomputed on every request (cold).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.pg import bench_database

OUT = Path(__file__).resolve().parent / "out"
PG_DATABASE = "registry_bench_public"

#: (label, URL) of the pages measured.
PAGES = [
    ("directory, first page", "/acteurs/"),
    ("directory, search 'economie solidaire'", "/acteurs/?q=economie+solidaire"),
    ("directory, search 'regie'", "/acteurs/?q=regie"),
    ("directory, axis + quartier", "/acteurs/?axe=former&quartier=fives"),
    ("directory, search + sector + family", "/acteurs/?q=velo&secteur=transports&famille=association"),
    ("directory, ESUS, page 3", "/acteurs/?esus=1&page=3"),
    ("initiatives, first page", "/initiatives/"),
    ("initiatives, search", "/initiatives/?q=insertion"),
    ("API actors, filtered", "/api/v1/actors?axe=financer&limit=50"),
    ("API actors.geojson, filtered", "/api/v1/actors.geojson?quartier=wazemmes&secteur=batiment"),
    ("home", "/"),
]


def database_url(pg: str | None, rebuild: bool) -> tuple[str, bool]:
    """The bench database URL, and whether it must be populated."""
    if not pg:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "public.sqlite"
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", not path.exists()
    return bench_database(pg, PG_DATABASE, fresh=rebuild)


def build_app(url: str):
    from registry import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
        }
    )


def prepare(app, populate_needed: bool, actors: int) -> None:
    from flask_migrate import upgrade

    from bench.datagen import populate
    from registry.extensions import db
    from registry.services.reference.loading import load_reference

    with app.app_context():
        upgrade()
        load_reference(db.session)
        db.session.commit()
        if populate_needed:
            populate(db.engine, actors=actors, initiatives=actors // 5, partnerships=0)


def measure(client, url: str, runs: int, cold: bool = False) -> tuple[float, float, int]:
    """Median and 95th percentile in ms; ``cold`` forgets the remembered counts before each request."""
    from registry.services.public import cache as public_cache

    for _ in range(3):
        client.get(url)
    times = []
    for _ in range(runs):
        if cold:
            public_cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (a database of its own is created there)")
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url, populate_needed = database_url(args.pg, args.rebuild)
    app = build_app(url)
    prepare(app, populate_needed, args.actors)
    client = app.test_client()
    engine = "PostgreSQL" if args.pg else "SQLite"
    print(f"{engine}, {args.actors:,} actors, {args.runs} runs per page (milliseconds)")
    print("warm: counts remembered until the data changes (the usual case); cold: every count recomputed")
    print(f"{'page':<45} {'median':>8} {'p95':>8} {'cold med':>9} {'cold p95':>9} {'bytes':>9}")
    for label, page in PAGES:
        median, p95, size = measure(client, page, args.runs)
        cold_median, cold_p95, _ = measure(client, page, args.runs, cold=True)
        print(f"{label:<45} {median:8.1f} {p95:8.1f} {cold_median:9.1f} {cold_p95:9.1f} {size:9,d}")


if __name__ == "__main__":
    main()

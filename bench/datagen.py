"""Generate a large registry for benchmarks: actors, initiatives, partnerships (SQLAlchemy Core bulk inserts).

Usage from a benchmark script::

    from bench.datagen import populate
    populate(engine, actors=100_000, initiatives=20_000, partnerships=200_000)

The database must already hold the schema and the reference data. Rows are deterministic for a given seed.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from registry.models import (
    Actor,
    Axis,
    Initiative,
    LegalForm,
    Partnership,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
)
from registry.services.records.search import sort_name
from registry.services.reference.normalize import fold

FIRST = [
    "Régie",
    "Coopérative",
    "Association",
    "Atelier",
    "Jardin",
    "Collectif",
    "Maison",
    "Réseau",
    "Épicerie",
    "Fabrique",
    "Ressourcerie",
    "Café",
    "Union",
    "Compagnie",
    "Entreprise",
]
SECOND = [
    "Solidaire",
    "des Quartiers",
    "de l'Économie Sociale",
    "Vélo",
    "du Réemploi",
    "Énergie Citoyenne",
    "des Savoirs",
    "Partagé",
    "d'Insertion",
    "Bio",
    "Numérique",
    "Éthique",
    "Mutualiste",
    "du Faubourg",
    "Verte",
]
THIRD = [
    "Fives",
    "Wazemmes",
    "Moulins",
    "du Nord",
    "Lilloise",
    "Hellemmoise",
    "de Lomme",
    "Démo",
    "Fictive",
    "Imaginaire",
    "Exemple",
    "Test",
    "Bis",
    "Plus",
    "Avenir",
]
WORDS = [
    "insertion",
    "réemploi",
    "alimentation",
    "circuit court",
    "énergie",
    "formation",
    "mobilité",
    "vélo",
    "habitat",
    "numérique",
    "culture",
    "jardin",
    "épargne",
    "finance solidaire",
    "services à la personne",
]
CHUNK = 5000


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ids(conn, model) -> list[int]:
    return list(conn.scalars(sa.select(model.id).order_by(model.id)))


def _insert(conn, table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[i : i + CHUNK])


def populate(
    engine: sa.Engine,
    actors: int = 100_000,
    initiatives: int = 20_000,
    partnerships: int = 200_000,
    seed: int = 1,
    published_share: float = 0.9,
    verbose: bool = True,
) -> dict[str, float]:
    """Insert the rows; returns the seconds spent per table."""
    rnd = random.Random(seed)
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        axes, quartiers, sectors, forms = (_ids(conn, m) for m in (Axis, Quartier, Sector, LegalForm))
        sector_labels = dict(conn.execute(sa.select(Sector.id, Sector.label)).all())
        first_actor = (conn.scalar(sa.select(sa.func.max(Actor.id))) or 0) + 1
        now = _now()

        t = time.perf_counter()
        actor_rows, axis_rows, sector_rows = [], [], []
        for n in range(actors):
            actor_id = first_actor + n
            name = f"{rnd.choice(FIRST)} {rnd.choice(SECOND)} {rnd.choice(THIRD)} {actor_id}"
            description = f"Acteur de l'ESS engagé dans {rnd.choice(WORDS)} et {rnd.choice(WORDS)}."
            own_sectors = rnd.sample(sectors, rnd.randint(0, 2))
            actor_rows.append(
                {
                    "id": actor_id,
                    "slug": f"acteur-{actor_id}",
                    "name": name,
                    "legal_form_id": rnd.choice(forms),
                    "description": description,
                    "postcode": rnd.choice(["59000", "59800", "59260", "59160"]),
                    "commune": "Lille",
                    "quartier_id": rnd.choice(quartiers),
                    "latitude": 50.60 + rnd.random() * 0.06,
                    "longitude": 2.98 + rnd.random() * 0.13,
                    "employees": rnd.randint(0, 80),
                    "volunteers": rnd.randint(0, 200),
                    "founding_year": rnd.randint(1950, 2025),
                    "status": rnd.choice(["active"] * 18 + ["inactive", "archived"]),
                    "published": rnd.random() < published_share,
                    "search_text": fold(" ".join([name, description, *(sector_labels[s] for s in own_sectors)])),
                    "sort_name": sort_name(name),
                    "esus_date": date(2020, 1, 1) + timedelta(days=rnd.randint(0, 2000))
                    if rnd.random() < 0.2
                    else None,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            axis_rows += [{"actor_id": actor_id, "axis_id": a} for a in rnd.sample(axes, rnd.randint(1, 2))]
            sector_rows += [{"actor_id": actor_id, "sector_id": s} for s in own_sectors]
        _insert(conn, Actor.__table__, actor_rows)
        _insert(conn, actor_axes, axis_rows)
        _insert(conn, actor_sectors, sector_rows)
        timings["actors"] = time.perf_counter() - t
        actor_ids = [r["id"] for r in actor_rows]

        t = time.perf_counter()
        first_initiative = (conn.scalar(sa.select(sa.func.max(Initiative.id))) or 0) + 1
        rows, i_axes, i_quartiers = [], [], []
        for n in range(initiatives):
            initiative_id = first_initiative + n
            title = f"Projet {rnd.choice(WORDS)} {rnd.choice(THIRD)} {initiative_id}"
            start = date(2020, 1, 1) + timedelta(days=rnd.randint(0, 2200))
            budget = Decimal(rnd.randint(1_000, 500_000))
            rows.append(
                {
                    "id": initiative_id,
                    "slug": f"initiative-{initiative_id}",
                    "title": title,
                    "summary": f"Une initiative autour de {rnd.choice(WORDS)}.",
                    "status": rnd.choice(["planned", "ongoing", "ongoing", "completed", "abandoned"]),
                    "start_date": start,
                    "end_date": start + timedelta(days=rnd.randint(30, 1500)),
                    "lead_actor_id": rnd.choice(actor_ids),
                    "city_wide": False,
                    "budget": budget,
                    "city_funding": (budget * Decimal(rnd.randint(0, 60)) / 100).quantize(Decimal("0.01")),
                    "jobs_created": rnd.randint(0, 20),
                    "people_trained": rnd.randint(0, 100),
                    "people_reached": rnd.randint(0, 2000),
                    "published": rnd.random() < published_share,
                    "search_text": fold(title),
                    "sort_name": sort_name(title),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            i_axes += [{"initiative_id": initiative_id, "axis_id": a} for a in rnd.sample(axes, rnd.randint(1, 2))]
            i_quartiers += [
                {"initiative_id": initiative_id, "quartier_id": q} for q in rnd.sample(quartiers, rnd.randint(1, 3))
            ]
        _insert(conn, Initiative.__table__, rows)
        _insert(conn, initiative_axes, i_axes)
        _insert(conn, initiative_quartiers, i_quartiers)
        timings["initiatives"] = time.perf_counter() - t

        t = time.perf_counter()
        kinds = [
            "operating_subsidy",
            "project_subsidy",
            "objectives_convention",
            "premises",
            "reserved_contract",
            "other",
        ]
        rows = []
        first_partnership = (conn.scalar(sa.select(sa.func.max(Partnership.id))) or 0) + 1
        for n in range(partnerships):
            pid = first_partnership + n
            start = date(2019, 1, 1) + timedelta(days=rnd.randint(0, 2800))
            rows.append(
                {
                    "id": pid,
                    "ref": f"BENCH-{pid:07d}",
                    "actor_id": rnd.choice(actor_ids),
                    "kind": rnd.choice(kinds),
                    "object": f"Soutien à l'action {rnd.choice(WORDS)}",
                    "decision_reference": f"DEL-{start.year}-{pid % 9999:04d}",
                    "decision_date": start - timedelta(days=30),
                    "convention_date": start,
                    "start_date": start,
                    "end_date": start + timedelta(days=rnd.choice([180, 365, 730, 1095])),
                    "amount": Decimal(rnd.randint(500, 150_000)),
                    "nature": rnd.choice(["cash"] * 5 + ["in_kind"]),
                    "payment_terms": rnd.choice(["single", "instalments"]),
                    "status": rnd.choice(["signed", "active", "active", "ended", "cancelled"]),
                    "officer_name": f"Agent {rnd.randint(1, 40)}",
                    "eu_notification": False,
                    "subsidy_share": Decimal("1"),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        _insert(conn, Partnership.__table__, rows)
        timings["partnerships"] = time.perf_counter() - t
        if engine.dialect.name == "postgresql":
            for table in ("actors", "initiatives", "partnerships"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()  # the SQLite engine opens a transaction: without this the statistics are rolled back
    if verbose:
        print("populate: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return timings

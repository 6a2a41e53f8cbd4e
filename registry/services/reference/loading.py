"""Reference data (axes, quartiers, sectors, legal forms) loaded from seed_data/reference/*.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Axis, LegalFamily, LegalForm, Quartier, Sector
from registry.services.reference.normalize import parse_bool

REFERENCE_DIR = Path(__file__).resolve().parents[3] / "seed_data" / "reference"


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _build(model, row: dict[str, str], position: int):
    if model is Axis:
        return Axis(code=row["code"], label=row["label"], description=row["description"], position=position)
    if model is Quartier:
        return Quartier(code=row["code"], name=row["name"], commune=row["commune"], aliases=row["aliases"])
    if model is Sector:
        return Sector(
            code=row["code"],
            label=row["label"],
            strategic=bool(parse_bool(row["strategic"])),
            naf_codes=row["naf_codes"],
        )
    return LegalForm(
        code=row["code"], label=row["label"], family=LegalFamily(row["family"]), insee_code=row["insee_code"] or None
    )


FILES = ((Axis, "axes.csv"), (Quartier, "quartiers.csv"), (Sector, "sectors.csv"), (LegalForm, "legal_forms.csv"))


def load_reference(session: so.Session, folder: Path = REFERENCE_DIR) -> dict[str, int]:
    """Add the reference rows whose code is missing; never changes rows an admin may have edited.

    Returns the number of rows added per table.
    """
    added = {}
    for model, filename in FILES:
        existing = set(session.scalars(sa.select(model.code)))
        count = 0
        for position, row in enumerate(_rows(folder, filename), start=1):
            if row["code"] not in existing:
                session.add(_build(model, row, position))
                count += 1
        added[model.__tablename__] = count
    session.flush()
    return added

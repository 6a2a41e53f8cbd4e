"""The demo data set (seed_data/demo.xlsx), loaded through the workbook importer on an empty registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor
from registry.workbook.importer import apply_workbook

DEMO_WORKBOOK = Path(__file__).resolve().parent.parent.parent / "seed_data" / "demo.xlsx"


@dataclass
class DemoReport:
    loaded: bool
    summary: str


def load_demo(session: so.Session, path: Path = DEMO_WORKBOOK) -> DemoReport:
    """Import the demo workbook when the registry holds no actor yet (so running twice changes nothing)."""
    if session.scalar(sa.select(sa.func.count()).select_from(Actor)):
        return DemoReport(False, "Données de démonstration : le registre contient déjà des acteurs (rien à faire).")
    report = apply_workbook(session, path.read_bytes(), filename=path.name, user=None, source="cli")
    return DemoReport(True, "Données de démonstration : " + report.summary)

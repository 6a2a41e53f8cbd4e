"""The dashboard's charts, drawn from the same ``Table`` objects as its HTML tables and spreadsheets."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from registry.services.reporting.base import Table
from registry.services.reporting.filters import NO_FILTERS, Filters
from registry.services.reporting.svg import grouped_bars, horizontal_bars


def percent(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".", ",")


def dashboard_charts(tables: dict[str, Table], filters: Filters = NO_FILTERS, today: date | None = None) -> dict:
    """One SVG chart per figure (``None`` when a figure has nothing to draw)."""
    actors = tables["acteurs-axes-quartiers"]
    per_axis = [(row[0], row[-1], f"{row[-1]:,}".replace(",", "\u202f")) for row in actors.rows[:-1]]
    amounts = tables["partenariats-annees-axes"]
    shown = set(filters.years(today or date.today()))
    recent = [row for row in amounts.rows if row[0] in shown]
    axis_names = amounts.headers[1:-2]
    loans = tables["prets-programmes-trimestres"]
    quarters = sorted({row[1] for row in loans.rows})[-8:]
    programmes = sorted({row[0] for row in loans.rows})
    by_key = {(row[0], row[1]): row[3] for row in loans.rows}
    sectors = tables["secteurs-strategiques"]
    return {
        "actors": horizontal_bars("Acteurs par axe", per_axis) if per_axis else None,
        "amounts": grouped_bars(
            "Montants des partenariats par année et par axe",
            [str(row[0]) for row in recent],
            [(name, [row[1 + i] for row in recent]) for i, name in enumerate(axis_names)],
            unit="€",
        ),
        "loans": grouped_bars(
            "Montant des prêts accordés par trimestre",
            quarters,
            [(p, [by_key.get((p, q), 0) for q in quarters]) for p in programmes],
            unit="€",
        )
        if loans.rows
        else None,
        "sectors": horizontal_bars(
            "Part des montants de partenariats par secteur stratégique",
            [(r[0], r[4], f"{percent(r[4])} des montants, {percent(r[2])} des acteurs") for r in sectors.rows],
            maximum=1.0,
        ),
    }


def amounts_caption(filters: Filters, today: date) -> str:
    years = filters.years(today)
    if filters.start or filters.end:
        return f"Montants des partenariats par année et par axe ({years[0]}–{years[-1]})"
    return f"Montants des partenariats par année et par axe ({len(years)} dernières années, {years[0]}–{years[-1]})"


__all__ = ["Markup", "amounts_caption", "dashboard_charts", "percent"]

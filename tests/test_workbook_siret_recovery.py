"""SIRETs a spreadsheet mangled: recovered when every digit is there and the check passes, else refused
naming the sheet, row and column."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from stdnum.fr import siret as stdnum_siret

from registry.models import Actor
from registry.services.records.errors import ValidationError
from registry.workbook.spec import recover_siret
from tests.workbook_helpers import run, xlsx

#: A valid SIRET starting with a zero (its zero is what a number cell loses).
LEADING_ZERO = next(s for s in (f"0{n:08d}00017" for n in range(10_000_000, 99_999_999)) if stdnum_siret.is_valid(s))


@pytest.mark.parametrize(
    ("mangled", "expected"),
    [
        (73282932000074, "73282932000074"),
        (73282932000074.0, "73282932000074"),
        ("73282932000074.0", "73282932000074"),
        ("7.3282932000074E+13", "73282932000074"),
        ("7,3282932000074e13", "73282932000074"),
        (int(LEADING_ZERO), LEADING_ZERO),
        (LEADING_ZERO.lstrip("0"), LEADING_ZERO),
    ],
)
def test_mangled_sirets_are_recovered(mangled, expected):
    assert recover_siret(mangled) == expected


@pytest.mark.parametrize(
    ("mangled", "fragment"),
    [
        ("7.32829E+13", "des chiffres ont été perdus"),
        (1234567890123, "1 chiffre(s) manquant(s)"),
        ("732829320", "il faut 14 chiffres"),
    ],
)
def test_sirets_that_lost_digits_are_refused(mangled, fragment):
    with pytest.raises(ValidationError) as exc:
        recover_siret(mangled)
    assert fragment in exc.value.message


def test_an_import_recovers_or_refuses_naming_the_cell(session):
    header = ["Réf.", "Nom*", "Forme juridique*", "SIRET"]
    rows = [header, ["a", "A", "association", 73282932000074], ["b", "B", "association", int(LEADING_ZERO)]]
    report = run(session, xlsx({"Acteurs": rows}))
    assert report.ok and report.applied, report.to_text()
    assert sorted(session.scalars(sa.select(Actor.siret))) == sorted(["73282932000074", LEADING_ZERO])
    report = run(session, xlsx({"Acteurs": [header, ["c", "C", "association", "7.32829E+13"]]}), dry_run=True)
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("Acteurs", 2, "SIRET")
    assert "des chiffres ont été perdus" in error.message

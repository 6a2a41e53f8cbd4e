"""The import report of a file does not change when the import engine is made faster.

Each case imports a committed file into a committed state and compares the whole report — counts, changes with
their fields, errors, warnings and possible duplicates, in their order — with the report the engine gave when
the case was written (``tests/fixtures/golden/*.json``). A faster engine must give the same report, byte for
byte. When a report changes on purpose (a new check, a better message), regenerate them and review the diff:

    .venv/bin/python -m tests.test_workbook_golden_reports

The messy workbooks come from ``tests/fixtures/make_messy.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workbook_helpers import DEMO, load_demo, run

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "golden"

#: name: (file, whether the demo registry is loaded first, preview or apply).
CASES = {
    "demo-into-empty": (DEMO, False, "apply"),
    "demo-again": (DEMO, True, "preview"),
    "messy-into-demo": (FIXTURES / "messy.xlsx", True, "preview"),
    "messy-hidden-into-demo": (FIXTURES / "messy-hidden.xlsx", True, "preview"),
    "messy-into-empty": (FIXTURES / "messy.xlsx", False, "preview"),
    "libreoffice-into-demo": (FIXTURES / "libreoffice_export.xlsx", True, "preview"),
    "csv-into-demo": (FIXTURES / "partenariats-windows1252-point-virgule.csv", True, "preview"),
}


def report_of(session, case: str) -> dict:
    path, demo_first, mode = CASES[case]
    if demo_first:
        load_demo(session)
    report = run(session, path.read_bytes(), dry_run=mode == "preview", filename=path.name)
    data = report.to_dict()
    data.pop("batch_id")  # an id, not what the report says
    # Through JSON, as the import history keeps it: tuples and lists compare alike.
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_report_of_a_file_is_the_golden_one(session, case):
    golden = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    got = report_of(session, case)
    for key in golden:
        assert got[key] == golden[key], f"{case}: « {key} » differs from tests/fixtures/golden/{case}.json"
    assert set(got) == set(golden)


def test_the_messy_cases_exercise_what_they_are_for():
    """The golden files hold errors, warnings, changes and creations, or they would prove little."""
    messy = json.loads((GOLDEN / "messy-into-demo.json").read_text(encoding="utf-8"))
    assert len(messy["errors"]) >= 15 and len(messy["warnings"]) >= 1
    assert {c["action"] for c in messy["changes"]} == {"new", "changed"}
    assert set(messy["counts"]) >= {"Acteurs", "Initiatives", "Partenariats", "Contacts", "Bilans de prêts"}
    hidden = json.loads((GOLDEN / "messy-hidden-into-demo.json").read_text(encoding="utf-8"))
    assert any("masquée" in e["message"] for e in hidden["errors"])
    assert any("fusionn" in e["message"] for e in hidden["errors"] + hidden["warnings"])
    again = json.loads((GOLDEN / "demo-again.json").read_text(encoding="utf-8"))
    assert not again["changes"] and sum(c["unchanged"] for c in again["counts"].values()) > 100


def _regenerate() -> None:
    """Write the golden reports with the engine as it is (on a throwaway SQLite registry)."""
    import tempfile

    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db
    from registry.services.reference.loading import load_reference

    GOLDEN.mkdir(exist_ok=True)
    for case in sorted(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app({"SECRET_KEY": "golden", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/g.sqlite"})
            with app.app_context():
                upgrade()
                load_reference(db.session)
                db.session.commit()
                data = report_of(db.session, case)
                db.session.remove()
                db.engine.dispose()
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        (GOLDEN / f"{case}.json").write_text(text, encoding="utf-8")
        print(f"{case}: {len(data['changes'])} changes, {len(data['errors'])} errors, {len(data['warnings'])} warnings")


if __name__ == "__main__":
    _regenerate()

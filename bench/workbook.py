"""Workbook benchmark: import (preview, apply, re-import) and export against raw openpyxl + Core baselines.

Usage::

    .venv/bin/python -m bench.workbook                  # 10,000 and 100,000 actors
    .venv/bin/python -m bench.workbook --sizes 10000    # one size

For each size, a registry of N actors, N/5 initiatives and N/2 partnerships is generated (bench.datagen),
exported by the app (that workbook is the import input), then every phase runs in a fresh process on
SQLite so that its time and peak memory (RSS) are its own. Baselines:

- import: openpyxl read-only parse of the same sheets + SQLAlchemy Core bulk insert of the same rows
  (scalar columns, legal form, quartier and axes; no validation, no audit), as the issue defines it, with the
  garbage collector paused as in the app's import; the time python-calamine takes to parse the same sheets is
  printed beside it, since the app reads plain workbooks with it;
- export: openpyxl write-only append of the same rows (values read back from the app's export, untimed).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "workbook"
ROOT = Path(__file__).resolve().parent.parent


def _app(db_path: Path, fresh: bool):
    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db
    from registry.services.reference.loading import load_reference

    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "TESTING": True})
    with app.app_context():
        if fresh:
            upgrade()
            load_reference(db.session)
            db.session.commit()
    return app


def phase_populate(n: int, db_path: Path) -> dict:
    from bench.datagen import populate
    from registry.extensions import db

    app = _app(db_path, fresh=True)
    with app.app_context():
        populate(db.engine, actors=n, initiatives=n // 5, partnerships=n // 2, verbose=False)
    return {}


def phase_export_raw(n: int, db_path: Path) -> dict:
    """openpyxl write-only of the very rows the app exported (read back first, untimed): the cost of writing
    those cells and nothing else."""
    import openpyxl
    from openpyxl import Workbook

    source = openpyxl.load_workbook(OUT / f"actors-{n}.xlsx", read_only=True)
    rows = list(source["Acteurs"].iter_rows(values_only=True))
    source.close()
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Acteurs")
    for row in rows:
        ws.append(row)
    wb.save(OUT / f"raw-{n}.xlsx")
    return {"seconds": time.perf_counter() - started}


def phase_export_app(n: int, db_path: Path, what: str) -> dict:
    import sqlalchemy as sa

    from registry.extensions import db
    from registry.models import Actor
    from registry.workbook.columns import ACTORS
    from registry.workbook.exporter import export_query, export_registry

    app = _app(db_path, fresh=False)
    with app.app_context():
        started = time.perf_counter()
        if what == "actors":
            with (OUT / f"actors-{n}.xlsx").open("wb") as f:
                export_query(db.session, ACTORS, sa.select(Actor).order_by(Actor.id), f, include_personal=True)
        else:
            with (OUT / f"registry-{n}.xlsx").open("wb") as f:
                export_registry(db.session, f, include_personal=True)
        return {"seconds": time.perf_counter() - started}


def phase_import_raw(n: int, db_path: Path) -> dict:
    """The import baseline, with Python's cyclic garbage collector paused as the app's import pauses it."""
    import gc

    import openpyxl
    import sqlalchemy as sa

    from registry.extensions import db
    from registry.models import Actor, Axis, Initiative, LegalForm, Partnership, Quartier, actor_axes
    from registry.workbook.columns import ACTORS, INITIATIVES, PARTNERSHIPS

    app = _app(db_path, fresh=True)
    with app.app_context():
        forms = dict(db.session.execute(sa.select(LegalForm.label, LegalForm.id)).all())
        quartiers = dict(db.session.execute(sa.select(Quartier.name, Quartier.id)).all())
        axes = dict(db.session.execute(sa.select(Axis.label, Axis.id)).all())
        gc.disable()
        started = time.perf_counter()
        wb = openpyxl.load_workbook(OUT / f"registry-{n}.xlsx", read_only=True, data_only=True)
        sheets = {}
        for spec in (ACTORS, INITIATIVES, PARTNERSHIPS):
            rows = wb[spec.name].iter_rows(values_only=True)
            headers = next(rows)
            sheets[spec.name] = [dict(zip(headers, r, strict=False)) for r in rows]
        wb.close()
        parsed = time.perf_counter() - started
        calamine = _calamine_parse(OUT / f"registry-{n}.xlsx", [ACTORS.name, INITIATIVES.name, PARTNERSHIPS.name])
        started += calamine  # not part of the baseline: measured for reference only
        with db.engine.begin() as conn:
            slugs = {}
            actor_rows, axis_rows = [], []
            for i, r in enumerate(sheets["Acteurs"], start=1):
                row = {c.attr: r.get(c.header) for c in ACTORS.columns if c.attr in Actor.__table__.c}
                row.update(id=i, legal_form_id=forms[r["Forme juridique*"]], quartier_id=quartiers.get(r["Quartier"]))
                row.update(status="active", published=r["Publié"] == "Oui", version=1, search_text="")
                actor_rows.append(row)
                slugs[r["Réf."]] = i
                axis_rows += [{"actor_id": i, "axis_id": axes[a]} for a in (r["Axes"] or "").split("; ") if a]
            conn.execute(sa.insert(Actor), actor_rows)
            conn.execute(sa.insert(actor_axes), axis_rows)
            initiative_ids = {}
            rows = []
            for i, r in enumerate(sheets["Initiatives"], start=1):
                row = {c.attr: r.get(c.header) for c in INITIATIVES.columns if c.attr in Initiative.__table__.c}
                row.update(id=i, lead_actor_id=slugs[r["Porteur*"]], status="ongoing", published=True, version=1)
                row.update(search_text="", city_wide=False)
                rows.append(row)
                initiative_ids[r["Réf."]] = i
            conn.execute(sa.insert(Initiative), rows)
            rows = []
            for r in sheets["Partenariats"]:
                row = {c.attr: r.get(c.header) for c in PARTNERSHIPS.columns if c.attr in Partnership.__table__.c}
                row.update(actor_id=slugs[r["Acteur*"]], initiative_id=initiative_ids.get(r["Initiative"]))
                row.update(kind="project_subsidy", nature="cash", status="active", payment_terms=None, version=1)
                rows.append(row)
            conn.execute(sa.insert(Partnership), rows)
        return {"seconds": time.perf_counter() - started, "parse_seconds": parsed, "calamine_seconds": calamine}


def _calamine_parse(path: Path, names: list[str]) -> float:
    """Seconds python-calamine takes to read the same sheets into Python lists (the app's reader uses it)."""
    import python_calamine

    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - started


def phase_import_app(n: int, db_path: Path, mode: str) -> dict:
    from registry.extensions import db
    from registry.workbook.importer import apply_workbook, preview_workbook

    app = _app(db_path, fresh=mode != "reimport")
    with app.app_context():
        started = time.perf_counter()
        data = (OUT / f"registry-{n}.xlsx").read_bytes()
        if mode == "preview":
            report = preview_workbook(db.session, data, filename="bench.xlsx")
        else:
            report = apply_workbook(db.session, data, filename="bench.xlsx", source="cli")
        seconds = time.perf_counter() - started
        totals = report.totals()
        assert report.ok, report.to_text(max_items=5)
        return {"seconds": seconds, "new": totals.new, "changed": totals.changed, "unchanged": totals.unchanged}


def phase_read_formats(n: int, _db_path: Path) -> dict:
    """Seconds to read the same registry as .xlsx, as .ods (LibreOffice) and its Acteurs sheet as .csv and as
    .xlsx, with the app's reader (no planning). The .ods and .csv are written by LibreOffice (untimed); with
    no ``soffice`` on PATH those figures are left out."""
    import shutil
    import tempfile

    from registry.workbook import columns as cols
    from registry.workbook.formats import read_file
    from registry.workbook.headers import sheet_for_headers

    def read(data: bytes) -> float:
        started = time.perf_counter()
        read_file(
            data,
            wanted=lambda name: cols.header_key(name) in cols.SHEETS_BY_KEY,
            max_rows=10 * n,
            choose_sheet=lambda row: sheet_for_headers(cols.SHEETS, row).name,
        )
        return time.perf_counter() - started

    src = OUT / f"registry-{n}.xlsx"
    result = {"seconds": read(src.read_bytes())}
    if shutil.which("soffice") is None:
        return result
    with tempfile.TemporaryDirectory() as tmp:
        profile = f"-env:UserInstallation=file://{tmp}/profile"
        for target in ("ods", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,2"):
            subprocess.run(
                ["soffice", profile, "--headless", "--convert-to", target, "--outdir", tmp, str(src)],
                check=True,
                capture_output=True,
            )
        result["ods_seconds"] = read((Path(tmp) / f"{src.stem}.ods").read_bytes())
        # the CSV holds the second sheet (Acteurs; the first is the Notice)
        [csv_file] = Path(tmp).glob("*.csv")  # LibreOffice may name it after the sheet
        result["csv_seconds"] = read(csv_file.read_bytes())
    return result


PHASES = {
    "read_formats": phase_read_formats,
    "populate": phase_populate,
    "export_raw": phase_export_raw,
    "export_app": phase_export_app,
    "import_raw": phase_import_raw,
    "import_app": phase_import_app,
}


def run_phase(name: str, n: int, db_path: Path, *extra: str) -> dict:
    """Run one phase in a fresh Python process; its own time and peak RSS."""
    cmd = [sys.executable, "-m", "bench.workbook", "--phase", name, "--n", str(n), "--db", str(db_path), *extra]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def line(label: str, result: dict, note: str = "") -> None:
    print(f"  {label:<56} {result['seconds']:8.2f} s  {result['peak_mb']:6.0f} MB  {note}".rstrip())


def bench(n: int) -> None:
    src, dst = OUT / f"source-{n}.sqlite", OUT / f"import-{n}.sqlite"
    print(f"\n=== {n:,} actors, {n // 5:,} initiatives, {n // 2:,} partnerships ===")
    run_phase("populate", n, src)
    # Best of three alternating runs: the machine is shared, a single run can be off by a factor of two.
    # The app's export runs first: the baseline writes the very same rows.
    raw, actors = {"seconds": float("inf")}, {"seconds": float("inf")}
    for _ in range(3):
        actors = min(actors, run_phase("export_app", n, src, "actors"), key=lambda r: r["seconds"])
        raw = min(raw, run_phase("export_raw", n, src), key=lambda r: r["seconds"])
    full = run_phase("export_app", n, src, "all")
    print("Export (write-only, streaming; best of 3)")
    line("raw baseline (openpyxl write-only of the same rows)", raw)
    ratio = actors["seconds"] / raw["seconds"]
    line("app export of the actors sheet", actors, f"({ratio:.2f}× baseline; goal ≤ 1.5× and < 300 MB)")
    line("app full export (every sheet)", full)
    base = run_phase("import_raw", n, dst)
    preview = run_phase("import_app", n, dst, "preview")
    apply = run_phase("import_app", n, dst, "apply")
    again = run_phase("import_app", n, dst, "reimport")
    print("Import of that workbook into an empty registry")
    line("raw baseline (openpyxl read-only + Core insert)", base, f"(parse {base['parse_seconds']:.2f} s)")
    print(
        f"  (for reference: python-calamine, which the app reads plain workbooks with, parses those sheets in "
        f"{base['calamine_seconds']:.2f} s)"
    )
    line("app preview (read + plan, nothing written)", preview)
    ratio = apply["seconds"] / base["seconds"]
    line("app import (read + plan + apply + audit, one pass)", apply, f"({ratio:.2f}× baseline; goal ≤ 2×)")
    both = {"seconds": preview["seconds"] + apply["seconds"], "peak_mb": max(preview["peak_mb"], apply["peak_mb"])}
    line("preview then confirm (web flow: both of the above)", both, f"({both['seconds'] / base['seconds']:.2f}×)")
    ratio = again["seconds"] / base["seconds"]
    label = f"re-import, {again['unchanged']:,} rows unchanged"
    line(label, again, f"({ratio:.2f}× baseline; goal ≤ 1.5×)")
    formats = run_phase("read_formats", n, dst)
    print("Reading the same registry in other formats (app reader only, no planning)")
    line("from .xlsx (every sheet)", formats)
    for key, label in (
        ("ods_seconds", "from .ods written by LibreOffice (every sheet)"),
        ("csv_seconds", "from .csv written by LibreOffice (Acteurs sheet)"),
    ):
        if key in formats:
            print(f"  {label:<56} {formats[key]:8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--phase")
    parser.add_argument("--n", type=int)
    parser.add_argument("--db", type=Path)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.phase:
        import logging

        logging.disable(logging.INFO)
        result = PHASES[args.phase](args.n, args.db, *args.extra)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    for n in (int(s) for s in args.sizes.split(",")):
        bench(n)


if __name__ == "__main__":
    main()

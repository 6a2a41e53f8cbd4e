"""Workbook benchmark: the import against issue 18's floors, and the export against openpyxl's write-only mode.

Usage::

    .venv/bin/python -m bench.workbook                          # 10,000 and 100,000 actors
    .venv/bin/python -m bench.workbook --sizes 10000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.workbook --files actors --no-export --runs 5

For each size, a registry of N actors, N/5 initiatives and N/2 partnerships is generated (bench.datagen) and
exported by the app: the ``Acteurs`` sheet alone (``actors-N.xlsx``) and the full registry (``registry-N.xlsx``)
are the import inputs. Every figure is the best of ``--runs`` fresh processes (3 below 50,000 actors, else 1), so
that its time and peak memory (RSS) are its own. For each workbook, side by side and against the issue's goals:

- python-calamine parsing the data sheets, alone;
- **the floor**: that parse plus one plain ``sqlite3`` ``executemany`` per sheet of the same cell values into a
  table with no index, no ORM and no checks;
- for reference, that parse plus SQLAlchemy Core inserts into the app's own tables (no validation, no audit);
- the app's preview, its one-pass import (every check, the full-text index, the audit), the web flow
  (``staging.stage`` then ``staging.confirm``) and a re-import of the same file (every row unchanged);
- with ``--postgres URL``, the one pass and the re-import on a fresh database of that server.

The export part compares the app's export of the actors sheet with openpyxl's write-only append of the very same
rows. ``bench/import_profile.py`` says where an import's time goes, per stage. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.pg import bench_database

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


DATA_SHEETS = ("Acteurs", "Contacts", "Initiatives", "Programmes de prêt", "Bilans de prêts", "Partenariats")


def _workbook(name: str, n: int) -> Path:
    return OUT / f"{name}-{n}.xlsx"


def _parse(path: Path) -> dict[str, list[list]]:
    """python-calamine's reading of the file's data sheets: rows of cell values, the header first."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {
        name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in book.sheet_names
        if name in DATA_SHEETS
    }


def phase_calamine(n: int, _db_path: Path, name: str) -> dict:
    """python-calamine parsing the file's data sheets, nothing else."""
    started = time.perf_counter()
    sheets = _parse(_workbook(name, n))
    return {"seconds": time.perf_counter() - started, "rows": sum(len(rows) - 1 for rows in sheets.values())}


def phase_floor(n: int, db_path: Path, name: str) -> dict:
    """**The floor** (issue 18): python-calamine parsing the sheets, then one plain ``sqlite3`` ``executemany`` per
    sheet of the same cell values into a table with no index, no ORM and no checks."""
    import sqlite3

    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    sheets = _parse(_workbook(name, n))
    connection = sqlite3.connect(db_path)
    for number, rows in enumerate(sheets.values()):
        width = len(rows[0])
        columns = ", ".join(f"c{i}" for i in range(width))
        connection.execute(f"CREATE TABLE sheet{number} ({columns})")
        marks = ", ".join("?" * width)
        connection.executemany(f"INSERT INTO sheet{number} VALUES ({marks})", rows[1:])
    connection.commit()
    connection.close()
    return {"seconds": time.perf_counter() - started}


def phase_core(n: int, db_path: Path, name: str) -> dict:
    """For reference: python-calamine, then SQLAlchemy Core inserts of the same rows into the app's own tables
    (scalar columns, legal form, quartier, axes, references between sheets; no validation, no audit, no search
    index), with the garbage collector paused as in the app's import."""
    import gc

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
        sheets = {}
        for sheet, rows in _parse(_workbook(name, n)).items():
            headers = rows[0]
            sheets[sheet] = [{h: (v if v != "" else None) for h, v in zip(headers, r, strict=False)} for r in rows[1:]]

        def values(spec, r: dict, model) -> dict:
            return {c.attr: r.get(c.header) for c in spec.columns if c.attr in model.__table__.c}

        with db.engine.begin() as conn:
            slugs = {}
            actor_rows, axis_rows = [], []
            for i, r in enumerate(sheets.get("Acteurs", ()), start=1):
                row = values(ACTORS, r, Actor)
                row.update(id=i, legal_form_id=forms[r["Forme juridique*"]], quartier_id=quartiers.get(r["Quartier"]))
                row.update(status="active", published=r["Publié"] == "Oui", version=1, search_text="")
                actor_rows.append(row)
                slugs[r["Réf."]] = i
                axis_rows += [{"actor_id": i, "axis_id": axes[a]} for a in (r["Axes"] or "").split("; ") if a]
            conn.execute(sa.insert(Actor), actor_rows)
            if axis_rows:
                conn.execute(sa.insert(actor_axes), axis_rows)
            initiative_ids = {}
            rows = []
            for i, r in enumerate(sheets.get("Initiatives", ()), start=1):
                row = values(INITIATIVES, r, Initiative)
                row.update(id=i, lead_actor_id=slugs[r["Porteur*"]], status="ongoing", published=True, version=1)
                row.update(search_text="", city_wide=False)
                rows.append(row)
                initiative_ids[r["Réf."]] = i
            if rows:
                conn.execute(sa.insert(Initiative), rows)
            rows = []
            for r in sheets.get("Partenariats", ()):
                row = values(PARTNERSHIPS, r, Partnership)
                row.update(actor_id=slugs[r["Acteur*"]], initiative_id=initiative_ids.get(r["Initiative"]))
                row.update(kind="project_subsidy", nature="cash", status="active", payment_terms=None, version=1)
                rows.append(row)
            if rows:
                conn.execute(sa.insert(Partnership), rows)
        return {"seconds": time.perf_counter() - started}


def _pg_app(url: str, database: str):
    """A fresh PostgreSQL database ``database`` on the server of ``url``, migrated, with the reference data."""
    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db
    from registry.services.reference.loading import load_reference

    target, _created = bench_database(url, database, fresh=True)
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": target, "TESTING": True})
    with app.app_context():
        upgrade()
        load_reference(db.session)
        db.session.commit()
    return app


def phase_import_app(n: int, db_path: Path, name: str, mode: str, pg_url: str = "") -> dict:
    """The app: ``preview`` (read + plan, nothing written), ``apply`` (one pass: read, plan, apply, audit),
    ``web`` (the web flow: ``staging.stage`` then ``staging.confirm``, which plans again inside the write
    transaction), ``reimport`` (``apply`` again on the registry ``apply`` left). With ``pg_url``, on a fresh
    PostgreSQL database of that server."""
    from registry.extensions import db
    from registry.workbook import staging
    from registry.workbook.importer import apply_workbook, preview_workbook

    if pg_url:
        app = _pg_app(pg_url, f"bench_workbook_{n}")
    else:
        app = _app(db_path, fresh=mode != "reimport")
    with app.app_context():
        if pg_url and mode == "reimport":
            apply_workbook(db.session, _workbook(name, n).read_bytes(), filename="bench.xlsx", source="cli")
        started = time.perf_counter()
        data = _workbook(name, n).read_bytes()
        if mode == "preview":
            report = preview_workbook(db.session, data, filename="bench.xlsx")
        elif mode == "web":
            batch = staging.stage(db.session, data, "bench.xlsx", None)
            db.session.commit()
            report = staging.confirm(db.session, batch, None)
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
    "calamine": phase_calamine,
    "floor": phase_floor,
    "core": phase_core,
    "import_app": phase_import_app,
}


def run_phase(name: str, n: int, db_path: Path, *extra: str) -> dict:
    """Run one phase in a fresh Python process; its own time and peak RSS."""
    cmd = [sys.executable, "-m", "bench.workbook", "--phase", name, "--n", str(n), "--db", str(db_path), *extra]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def best(runs: int, name: str, n: int, db_path: Path, *extra: str) -> dict:
    """The fastest of ``runs`` fresh processes (the machine is shared: one run can be off by a factor of two);
    the peak memory is the highest seen."""
    results = [run_phase(name, n, db_path, *extra) for _ in range(runs)]
    fastest = min(results, key=lambda r: r["seconds"])
    return fastest | {"peak_mb": max(r["peak_mb"] for r in results)}


def line(label: str, result: dict, note: str = "") -> None:
    print(f"  {label:<58} {result['seconds']:8.2f} s  {result['peak_mb']:6.0f} MB  {note}".rstrip())


def verdict(value: float, goal: float, unit: str = "×") -> str:
    return f"goal ≤ {goal:g}{unit}: {'met' if value <= goal else 'NOT met'}"


def bench_import(n: int, name: str, runs: int, pg_url: str) -> None:
    """Every figure of issue 18 for one workbook, against its goal."""
    dst = OUT / f"import-{name}-{n}.sqlite"
    what = "the Acteurs sheet alone" if name == "actors" else "the full registry"
    print(f"Import of {what} ({_workbook(name, n).name}) into an empty registry — best of {runs}, fresh processes")
    calamine = best(runs, "calamine", n, dst, name)
    floor = best(runs, "floor", n, OUT / f"floor-{name}-{n}.sqlite", name)
    core = best(runs, "core", n, dst, name)
    preview = best(runs, "import_app", n, dst, name, "preview")
    web = best(runs, "import_app", n, dst, name, "web")
    apply = best(runs, "import_app", n, dst, name, "apply")
    again = best(runs, "import_app", n, dst, name, "reimport")
    f = floor["seconds"]

    def x(result: dict) -> float:
        return result["seconds"] / f

    line(f"python-calamine parse alone ({calamine['rows']:,} rows)", calamine, f"({x(calamine):.2f}× floor)")
    line("THE FLOOR: calamine + sqlite3 executemany, plain table", floor, "(1.00×)")
    line("calamine + SQLAlchemy Core insert into the app's tables", core, f"({x(core):.2f}× floor)")
    big = n >= 100_000
    memory = f"; peak {verdict(preview['peak_mb'], 500, ' MB')}" if big else ""
    line("app preview (read + plan, nothing written)", preview, f"({x(preview):.2f}× floor{memory})")
    memory = f"; peak {verdict(apply['peak_mb'], 500, ' MB')}" if big else ""
    line(
        "app import, one pass (every check, index, audit)",
        apply,
        f"({x(apply):.2f}× floor; {verdict(x(apply), 6)}{memory})",
    )
    ratio = web["seconds"] / apply["seconds"]
    line("web flow: staging.stage (preview) + staging.confirm", web, f"({ratio:.2f}× one pass; {verdict(ratio, 1.5)})")
    label = f"re-import, {again['unchanged']:,} rows unchanged"
    line(label, again, f"({x(again):.2f}× floor; {verdict(x(again), 4)})")
    if pg_url:
        pg = best(runs, "import_app", n, dst, name, "apply", pg_url)
        ratio = pg["seconds"] / apply["seconds"]
        line("PostgreSQL: app import, one pass", pg, f"({ratio:.2f}× SQLite; {verdict(ratio, 1.5)})")
        pg_again = best(runs, "import_app", n, dst, name, "reimport", pg_url)
        ratio = pg_again["seconds"] / again["seconds"]
        line("PostgreSQL: re-import unchanged", pg_again, f"({ratio:.2f}× SQLite; {verdict(ratio, 1.5)})")


def bench(n: int, runs: int, pg_url: str, export: bool, files: list[str]) -> None:
    src = OUT / f"source-{n}.sqlite"
    print(f"\n=== {n:,} actors, {n // 5:,} initiatives, {n // 2:,} partnerships ===")
    run_phase("populate", n, src)
    # The app's export runs first: the baseline writes the very same rows, and the imports read them.
    actors = best(runs, "export_app", n, src, "actors")
    full = run_phase("export_app", n, src, "all")
    if export:
        raw = best(runs, "export_raw", n, src)
        print(f"Export (write-only, streaming; best of {runs})")
        line("raw baseline (openpyxl write-only of the same rows)", raw)
        ratio = actors["seconds"] / raw["seconds"]
        line("app export of the actors sheet", actors, f"({ratio:.2f}× baseline; goal ≤ 1.5× and < 300 MB)")
        line("app full export (every sheet)", full)
    for name in files:
        bench_import(n, name, runs, pg_url)
    if export and "registry" in files:
        formats = run_phase("read_formats", n, OUT / f"import-registry-{n}.sqlite")
        print("Reading the same registry in other formats (app reader only, no planning)")
        line("from .xlsx (every sheet)", formats)
        for key, label in (
            ("ods_seconds", "from .ods written by LibreOffice (every sheet)"),
            ("csv_seconds", "from .csv written by LibreOffice (Acteurs sheet)"),
        ):
            if key in formats:
                print(f"  {label:<58} {formats[key]:8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=0, help="fresh processes per figure (default 3, 1 from 50,000)")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: the import there too")
    parser.add_argument("--no-export", action="store_true", help="import figures only")
    parser.add_argument("--files", default="actors,registry", help="actors (the Acteurs sheet alone), registry")
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
        runs = args.runs or (3 if n < 50_000 else 1)
        bench(n, runs, args.postgres, export=not args.no_export, files=args.files.split(","))


if __name__ == "__main__":
    main()

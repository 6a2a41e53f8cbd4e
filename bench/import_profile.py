"""Where an import's time goes, per stage: pyinstrument samples one import and each sample is given to the
innermost stage on its call stack.

Usage (after ``python -m bench.workbook`` has written the workbooks)::

    .venv/bin/python -m bench.import_profile                       # 10,000 actors, Acteurs sheet alone
    .venv/bin/python -m bench.import_profile --n 100000 --file registry --mode preview
    .venv/bin/python -m bench.import_profile --tree                # pyinstrument's call tree as well

Stages: read (unzip, scan, python-calamine, cells to Python), parse cells (``cells.parse_cell``), normalise and
validate (the ``clean_*`` services and the sheet's review), match (the row's record and references), plan (the
rest of planning: values set, report lines), insert (new rows, ``bulk.insert_new``), links (their many-to-many
rows), full-text index (``search_text``, ``sort_name``, and on SQLite the FTS5 triggers run by the inserts count as
insert), audit (snapshots, diffs, events), commit. Sampling costs about 10 %; the shares are what matters. The
findings are written down in ``bench/IMPORT_PROFILE.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.workbook import _app, _pg_app, _workbook

#: Function → stage; a sample goes to the innermost function of its stack found here.
STAGES = {
    "read_workbook": "read",
    "_parsed": "parse cells",
    "parse_cell": "parse cells",
    "clean_field": "normalise/validate",
    "wrapper": "normalise/validate",  # services.records.checks: the clean_* entry points
    "review": "normalise/validate",
    "_review_actor": "normalise/validate",
    "_resolve": "match",
    "_match": "match",
    "decide": "match",
    "_check_unique": "match",
    "_identity": "match",
    "load": "match",
    "plan_sheet": "plan",
    "insert_new": "insert",
    "_insert_links": "links",
    "search_text": "full-text index",
    "refresh_sort_name": "full-text index",
    "apply_plan": "audit",
    "commit": "commit",
    "stage": "stage (keep file)",
}
ORDER = [
    "read",
    "parse cells",
    "normalise/validate",
    "match",
    "plan",
    "insert",
    "links",
    "full-text index",
    "audit",
    "commit",
    "stage (keep file)",
    "other",
]


def by_stage(root) -> dict[str, float]:
    totals: dict[str, float] = {}

    def walk(frame, stage: str) -> None:
        stage = STAGES.get(frame.function, stage)
        own = frame.time - sum(child.time for child in frame.children)
        totals[stage] = totals.get(stage, 0.0) + own
        for child in frame.children:
            walk(child, stage)

    walk(root, "other")
    return totals


def main() -> None:
    from pyinstrument import Profiler

    from registry.extensions import db
    from registry.workbook.importer import apply_workbook, preview_workbook

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--file", default="actors", choices=["actors", "registry"])
    parser.add_argument("--mode", default="apply", choices=["apply", "preview", "reimport"])
    parser.add_argument("--tree", action="store_true")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: profile the import there")
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            app = _pg_app(args.postgres, "bench_import_profile")
        else:
            app = _app(Path(tmp) / "profile.sqlite", fresh=True)
        with app.app_context():
            data = _workbook(args.file, args.n).read_bytes()
            if args.mode == "reimport":  # the same file again, on the registry it made: every row unchanged
                apply_workbook(db.session, data, filename="bench.xlsx", source="cli")
            profiler = Profiler(interval=0.001)
            started = time.perf_counter()
            profiler.start()
            if args.mode == "preview":
                report = preview_workbook(db.session, data, filename="bench.xlsx")
            else:
                report = apply_workbook(db.session, data, filename="bench.xlsx", source="cli")
            profiler.stop()
            seconds = time.perf_counter() - started
    assert report.ok, report.to_text(max_items=5)
    root = profiler.last_session.root_frame()
    totals = by_stage(root)
    sampled = sum(totals.values())
    print(f"{args.mode} of {_workbook(args.file, args.n).name}: {seconds:.2f} s under the profiler")
    for stage in ORDER:
        if totals.get(stage):
            print(f"  {stage:<22} {totals[stage]:6.2f} s  {100 * totals[stage] / sampled:5.1f} %")
    if args.tree:
        print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()

"""Import a workbook: read → parse → validate → plan → apply, on a session and the file's bytes (no HTTP).

``preview_workbook`` plans and writes nothing. ``apply_workbook`` makes the plan again inside one write
transaction (SQLite's write lock taken at BEGIN, so officers editing meanwhile wait instead of failing),
applied only when it has no error, audited, recorded as an ImportBatch, and committed; any exception rolls
everything back. ``staging`` keeps a file and its preview between the two.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from contextlib import contextmanager
from typing import BinaryIO

from flask import current_app, has_app_context
from sqlalchemy import orm as so

from registry.models import AuditAction, AuditEvent, ImportBatch, ImportStatus
from registry.models.base import utcnow
from registry.services.history.audit import diff, event_values, snapshot
from registry.sqlite import write_lock
from registry.workbook import columns as cols
from registry.workbook.bulk import insert_new, insert_rows
from registry.workbook.formats import read_file
from registry.workbook.headers import sheet_for_headers
from registry.workbook.map_import import MAP_ACTORS
from registry.workbook.map_import import SOURCE as MAP_SOURCE
from registry.workbook.plan import Planner
from registry.workbook.reader import RawSheet, WorkbookRejected
from registry.workbook.report import ImportReport
from registry.workbook.scdl_link import expand as expand_scdl

DEFAULT_MAX_ROWS = 200_000
#: Audit events are written this many at a time (bounded memory).
AUDIT_BATCH = 5000


class PlanChanged(Exception):
    """The registry changed between the preview and the confirmation: the new plan must be reviewed."""


def read_workbook(data: bytes, report: ImportReport, max_rows: int | None = None) -> list[tuple]:
    """The data sheets of a workbook (.xlsx, .ods, .xls) or CSV as (spec, RawSheet), in import order; problems
    go to ``report``, and what was detected to ``report.detected``."""
    if max_rows is None:
        max_rows = current_app.config["IMPORT_MAX_ROWS"] if has_app_context() else DEFAULT_MAX_ROWS

    def wanted(name: str) -> bool:
        return cols.header_key(name) in cols.SHEETS_BY_KEY

    def choose_sheet(header_row: dict) -> str:
        return sheet_for_headers(cols.SHEETS, header_row, report.filename).name

    try:
        names, raw_sheets, report.detected = read_file(
            data, wanted=wanted, max_rows=max_rows, choose_sheet=choose_sheet
        )
    except WorkbookRejected as exc:
        report.error("", None, "", "", exc.message)
        return []
    for name in names:
        if not wanted(name) and cols.header_key(name) not in cols.IGNORED_SHEETS:
            report.warning(name, None, "", "", "Feuille inconnue : elle est ignorée.")
    by_spec: dict = {}
    for raw in raw_sheets:
        spec = MAP_ACTORS if raw.source == MAP_SOURCE else cols.SHEETS_BY_KEY[cols.header_key(raw.name)]
        if spec in by_spec:
            report.error(raw.name, None, "", "", f"Deux feuilles « {spec.name} » : gardez-en une seule.")
            continue
        by_spec[spec] = raw
        if raw.stopped_at:
            report.warning(
                raw.name,
                raw.stopped_at,
                "",
                "",
                f"Lecture arrêtée à la ligne {raw.stopped_at} : plus de 10 000 lignes vides se suivent, "
                "la suite de la feuille est ignorée.",
            )
    order = [cols.header_key(s.name) for s in cols.SHEETS]
    sheets = sorted(by_spec.items(), key=lambda item: order.index(cols.header_key(item[0].name)))
    if not report.errors:
        if not sheets:
            expected = ", ".join(f"« {s.name} »" for s in cols.SHEETS)
            report.error("", None, "", "", f"Le classeur ne contient aucune des feuilles attendues ({expected}).")
        elif all(len(raw.rows) <= 1 for _spec, raw in sheets):
            report.error("", None, "", "", "Le classeur ne contient aucune ligne à importer.")
    return sheets


def plan_import(
    session: so.Session,
    sheets: list[tuple[object, RawSheet]],
    report: ImportReport,
    decisions: dict | None = None,
    *,
    other_attributor: bool = False,
) -> Planner:
    """Plan every sheet (nothing is flushed); the report is the preview. Consumes ``sheets``: each sheet's
    cells are let go once planned (those of 100,000 rows take hundreds of megabytes). ``decisions``: the
    officer's choices about possible duplicates (``workbook.duplicates``). An SCDL file's subsidies are those
    of the city, or (``other_attributor``) of the authority the file names (``scdl_link``)."""
    with session.no_autoflush:
        sheets = expand_scdl(session, sheets, report, other_attributor=other_attributor)
        planner = Planner(session, report, decisions)
        while sheets:
            spec, raw = sheets.pop(0)
            planner.plan_sheet(spec, raw)
    return planner


def apply_plan(session: so.Session, planner: Planner, *, user, source: str, batch: ImportBatch) -> None:
    """Write the changes to existing records (the new ones are already inserted, ``bulk.insert_new``) and audit
    each change (one event per record, tied to the batch)."""
    session.flush()
    # Thousands of events go in Core executemany batches rather than through the ORM (which costs ten times
    # more per row and is not needed: nothing refers to them).
    now = utcnow()
    rows = []
    for item in planner.planned:
        changes = diff(item.before or {}, snapshot(item.obj))
        if changes or item.new:
            action = AuditAction.CREATE if item.new else AuditAction.UPDATE
            values = event_values(action=action, source=source, user=user, obj=item.obj, changes=changes, batch=batch)
            rows.append(values | {"created_at": now})
        if len(rows) == AUDIT_BATCH:
            insert_rows(session, AuditEvent.__table__, rows)
            rows = []
    insert_rows(session, AuditEvent.__table__, rows)


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while an import runs. An import keeps hundreds of thousands of
    objects alive until it ends (ORM records with their state, cells, report lines), and every full collection
    walks them all to find nothing: a quarter of the time of 10,000 new actors, more as the file grows.
    Reference counting still frees memory meanwhile; the collector resumes at the end. Process-wide: another
    thread's request only misses cycle collection for that while."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(data: bytes | BinaryIO, filename: str, max_rows: int | None) -> tuple[ImportReport, list]:
    data = data if isinstance(data, bytes) else data.read()
    report = ImportReport(filename=filename, file_hash=hashlib.sha256(data).hexdigest())
    return report, read_workbook(data, report, max_rows)


@collector_paused()
def preview_workbook(
    session: so.Session,
    data: bytes | BinaryIO,
    *,
    filename: str,
    max_rows: int | None = None,
    other_attributor: bool = False,
    decisions: dict | None = None,
) -> ImportReport:
    """The preview of a workbook: its plan as a report. Writes nothing (the session is rolled back)."""
    report, sheets = _read(data, filename, max_rows)
    if not report.errors:
        plan_import(session, sheets, report, decisions, other_attributor=other_attributor)
        session.rollback()
    return report


@collector_paused()
def apply_workbook(
    session: so.Session,
    data: bytes | BinaryIO,
    *,
    filename: str,
    user=None,
    source: str = "import",
    expected_fingerprint: str | None = None,
    batch: ImportBatch | None = None,
    max_rows: int | None = None,
    on_applied: Callable[[ImportBatch, ImportReport], None] | None = None,
    other_attributor: bool = False,
    decisions: dict | None = None,
) -> ImportReport:
    """Plan a workbook again and apply it when the plan has no error; returns the report (``applied``).
    Commits its own transaction, so the session must hold no pending change. With ``expected_fingerprint``
    (the preview's), a plan that differs from the preview is not applied and PlanChanged is raised.
    ``batch`` is the staged batch to complete (else one is created); ``on_applied(batch, report)`` runs just
    before the commit, in the same transaction. ``decisions`` and ``other_attributor`` as for ``plan_import``."""
    report, sheets = _read(data, filename, max_rows)
    if report.errors:
        return report
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("apply_workbook: commit or discard the session's changes first.")
    session.rollback()  # the plan is made again inside the write transaction
    batch_id = batch.id if batch is not None else None
    try:
        with write_lock():
            planner = plan_import(session, sheets, report, decisions, other_attributor=other_attributor)
            if report.errors:
                session.rollback()
                return report
            if expected_fingerprint and report.fingerprint() != expected_fingerprint:
                session.rollback()
                raise PlanChanged(report)
            insert_new(session, [item.obj for item in planner.planned if item.new])
            batch = _batch(session, batch_id, report, user)
            apply_plan(session, planner, user=user, source=source, batch=batch)
            batch.status = ImportStatus.APPLIED
            batch.finished_at = utcnow()
            report.applied = True
            report.batch_id = batch.id
            if on_applied is not None:
                on_applied(batch, report)
            session.commit()
    except PlanChanged:
        raise
    except Exception as exc:
        session.rollback()
        report.applied = False
        _record_failure(session, batch_id, report, user, exc)
        raise
    return report


def _batch(session: so.Session, batch_id: int | None, report: ImportReport, user) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id) if batch_id else None
    if batch is None:
        batch = ImportBatch(filename=report.filename[:255], file_hash=report.file_hash)
        session.add(batch)
    if user is not None:
        batch.user_id = user.id
        batch.user_label = user.email
    batch.counts = report.counts_dict()
    batch.error_count = len(report.errors)
    batch.warning_count = len(report.warnings)
    session.flush()
    return batch


def _record_failure(session: so.Session, batch_id: int | None, report: ImportReport, user, exc) -> None:
    """Keep a trace of a failed import in the history (its changes were all rolled back)."""
    try:
        failed = session.get(ImportBatch, batch_id) if batch_id else None
        if failed is None:
            failed = ImportBatch(filename=report.filename[:255], file_hash=report.file_hash)
            session.add(failed)
        failed.user_id = getattr(user, "id", None)
        failed.user_label = getattr(user, "email", None)
        failed.status = ImportStatus.FAILED
        failed.finished_at = utcnow()
        failed.message = f"Erreur inattendue pendant l'application ({type(exc).__name__}) : rien n'a été importé."
        session.commit()
    except Exception:  # noqa: BLE001 - the original error matters more than its trace
        session.rollback()

"""The import lifecycle, without HTTP: stage → preview → confirm (plan again and apply) or discard → expire.

``stage`` previews an uploaded workbook and keeps the file and its report on a new ImportBatch, in the
database (so that any app server can confirm it), until ``kept_until`` (IMPORT_UPLOAD_TTL seconds later).
``decide`` keeps the officer's choice for each « doublon possible » with the batch and previews again with it.
``confirm`` checks that the file is still kept and unchanged (its SHA-256 is the one recorded at upload),
plans it again against the registry as it is now and applies it only when that plan is the preview's;
otherwise the new report replaces the preview, to be reviewed. ``discard`` forgets the file;
``purge_expired`` drops the files and reports past their time. Each function flushes and the caller commits,
except the apply itself, which commits its own transaction (``importer.apply_workbook``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import orm as so

from registry.models import ImportBatch, ImportStatus
from registry.models.base import utcnow
from registry.sqlite import reading
from registry.workbook import duplicates
from registry.workbook.importer import PlanChanged, apply_workbook, preview_workbook
from registry.workbook.report import ImportReport

DEFAULT_TTL = 3600
#: Batches whose possible duplicates may still be decided (a preview with errors included: undecided rows are).
DECIDABLE = (ImportStatus.PREVIEWED, ImportStatus.FAILED)

__all__ = [
    "PlanChanged",
    "StagingError",
    "confirm",
    "decide",
    "discard",
    "is_expired",
    "kept_file",
    "preview",
    "purge_expired",
    "stage",
]


class StagingError(Exception):
    """A staged import that cannot be confirmed; ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _ttl() -> timedelta:
    seconds = current_app.config["IMPORT_UPLOAD_TTL"] if has_app_context() else DEFAULT_TTL
    return timedelta(seconds=seconds)


def _keep_report(batch: ImportBatch, report: ImportReport) -> None:
    report.batch_id = batch.id
    batch.report_json = json.dumps(report.to_dict(), default=str)


def stage(
    session: so.Session,
    data: bytes | BinaryIO,
    filename: str,
    user,
    *,
    now: datetime | None = None,
    other_attributor: bool = False,
):
    """Preview an uploaded workbook and keep it with its report; returns the batch (flushed). The session's
    transaction is ended first (planning only reads, so other officers' saves need not wait for it), and
    the files and reports past their time are purged. ``other_attributor`` (an SCDL file of another
    authority, ``importer.plan_import``) is kept with the batch for the confirmation."""
    data = data if isinstance(data, bytes) else data.read()
    filename = PurePath(filename.replace("\\", "/")).name[:255]
    with reading():
        session.rollback()
        report = preview_workbook(session, data, filename=filename, other_attributor=other_attributor)
    now = now or utcnow()
    purge_expired(session, now)
    batch = ImportBatch(
        filename=filename,
        file_hash=report.file_hash,
        user_id=getattr(user, "id", None),
        user_label=getattr(user, "email", None),
        kept_file=data,
        kept_until=now + _ttl(),
        options={"other_attributor": True} if other_attributor else None,
    )
    session.add(batch)
    session.flush()
    _previewed(session, batch, report)
    return batch


def _previewed(session: so.Session, batch: ImportBatch, report: ImportReport) -> None:
    batch.status = ImportStatus.PREVIEWED if report.ok else ImportStatus.FAILED
    batch.counts = report.counts_dict()
    batch.error_count, batch.warning_count = len(report.errors), len(report.warnings)
    batch.message = None if report.ok else "Aperçu avec erreurs : rien n'a été importé."
    _keep_report(batch, report)
    session.flush()


def decide(session: so.Session, batch: ImportBatch, answers: Mapping[str, str], *, now: datetime | None = None):
    """Keep the officer's choice for possible duplicates of the preview ({Duplicate.key: "update" | "new"}) with
    the batch, and preview the file again with them; returns the new report. Raises StagingError (French) for a
    batch that is no longer a preview, a row that is no possible duplicate, an unknown choice. The caller
    commits."""
    if batch.status not in DECIDABLE:
        raise StagingError("Cet import n'est plus un aperçu : importez le fichier à nouveau.")
    data, problem = _file_problem(batch, now)
    if problem:
        raise StagingError(problem)
    report = preview(batch)
    known = {d.key: d for d in report.duplicates} if report is not None else {}
    decisions = dict(batch.decisions or {})
    for key, choice in answers.items():
        if key not in known:
            raise StagingError("Cette ligne n'est pas, ou plus, un doublon possible : l'aperçu a été mis à jour.")
        if choice not in duplicates.CHOICES:
            raise StagingError(f"Choix inconnu pour la ligne {known[key].row} : « mettre à jour » ou « créer ».")
        decisions[key] = {"choice": choice, "ref": known[key].ref}
    filename = batch.filename
    with reading():
        session.rollback()
        report = preview_workbook(
            session, data, filename=filename, decisions=decisions, other_attributor=_other_attributor(batch)
        )
    batch.decisions = decisions
    _previewed(session, batch, report)
    return report


def _other_attributor(batch: ImportBatch) -> bool:
    return bool((batch.options or {}).get("other_attributor"))


def preview(batch: ImportBatch) -> ImportReport | None:
    """The batch's latest report (the preview, a new preview or the outcome); None once purged."""
    return ImportReport.from_dict(json.loads(batch.report_json)) if batch.report_json else None


def _file_problem(batch: ImportBatch, now: datetime | None) -> tuple[bytes | None, str | None]:
    if batch.kept_file is None or batch.kept_until is None or batch.kept_until < (now or utcnow()):
        return None, "Le fichier n'est plus disponible (délai dépassé) : importez-le à nouveau."
    if hashlib.sha256(batch.kept_file).hexdigest() != batch.file_hash:
        return None, "Le fichier conservé ne correspond plus à celui envoyé : importez-le à nouveau."
    return batch.kept_file, None


def kept_file(batch: ImportBatch, now: datetime | None = None) -> bytes | None:
    """The uploaded file, while kept and unchanged."""
    return _file_problem(batch, now)[0]


def is_expired(batch: ImportBatch, now: datetime | None = None) -> bool:
    """A preview that can no longer be confirmed because its file is gone."""
    return batch.status is ImportStatus.PREVIEWED and kept_file(batch, now) is None


def confirm(session: so.Session, batch: ImportBatch, user, *, source: str = "import", now: datetime | None = None):
    """Plan the kept file again and apply it when that plan is the preview's; returns the report (``applied``
    says whether it was). Raises StagingError when the batch cannot be confirmed, and PlanChanged (the new
    report kept) when the registry changed since the preview. A report with new errors is kept, not applied."""
    if batch.status is ImportStatus.DISCARDED:
        raise StagingError("Cet import a été abandonné : importez le fichier à nouveau pour l'appliquer.")
    if batch.status is ImportStatus.APPLIED:
        raise StagingError("Cet import a déjà été appliqué.")
    if batch.status is not ImportStatus.PREVIEWED:
        raise StagingError("Cet aperçu ne peut pas être appliqué.")
    data, problem = _file_problem(batch, now)
    if problem:
        raise StagingError(problem)
    report = preview(batch)
    if report is None or not report.ok:
        raise StagingError("Cet aperçu ne peut pas être appliqué.")

    def applied(batch: ImportBatch, outcome: ImportReport) -> None:
        _keep_report(batch, outcome)
        batch.kept_file = None
        batch.kept_until = utcnow() + _ttl()

    try:
        outcome = apply_workbook(
            session,
            data,
            filename=batch.filename,
            user=user,
            source=source,
            expected_fingerprint=report.fingerprint(),
            batch=batch,
            on_applied=applied,
            other_attributor=_other_attributor(batch),
            decisions=batch.decisions,
        )
    except PlanChanged as exc:
        _keep_report(batch, exc.args[0])
        session.flush()
        raise
    if not outcome.applied:
        _keep_report(batch, outcome)
        session.flush()
    return outcome


def discard(session: so.Session, batch: ImportBatch) -> bool:
    """Abandon a preview and forget its file; False when the batch is no longer a preview."""
    if batch.status is not ImportStatus.PREVIEWED:
        return False
    batch.status = ImportStatus.DISCARDED
    batch.finished_at = utcnow()
    batch.kept_file = None
    session.flush()
    return True


def purge_expired(session: so.Session, now: datetime | None = None) -> int:
    """Drop the files and reports kept past their time; the number of batches concerned."""
    result = session.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.kept_until < (now or utcnow()))
        .values(kept_file=None, report_json=None, kept_until=None)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount

"""The audit trail and the record of workbook imports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.base import enum_type, utcnow
from registry.models.enums import AuditAction, ImportStatus


class ImportBatch(db.Model):
    """One workbook import: file, who, when, counts and outcome."""

    __tablename__ = "import_batches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    finished_at: so.Mapped[datetime | None]
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    user_label: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    file_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[ImportStatus] = so.mapped_column(enum_type(ImportStatus, 20), default=ImportStatus.PREVIEWED)
    #: Per sheet: {"Acteurs": {"new": 3, "changed": 1, "unchanged": 40, "errors": 0}, ...}
    counts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    error_count: so.Mapped[int] = so.mapped_column(default=0)
    warning_count: so.Mapped[int] = so.mapped_column(default=0)
    message: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: The uploaded file, kept between the preview and the confirmation (``workbook.staging``), in the database
    #: so that every app server sees it; dropped once applied or discarded, or at ``kept_until``.
    kept_file: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    #: The latest report (preview, new preview or outcome) as JSON, until ``kept_until``.
    report_json: so.Mapped[str | None] = so.mapped_column(sa.Text, deferred=True)
    kept_until: so.Mapped[datetime | None] = so.mapped_column(index=True)
    #: The officer's choices made with the upload, kept for the confirmation: {"other_attributor": true} to
    #: import an SCDL file of another authority than the city (``workbook.scdl_import``).
    options: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    #: The officer's answer to each « doublon possible » of the preview: {"Acteurs!12": {"choice": "update" | "new",
    #: "ref": slug of the existing record it was about}} (``workbook.duplicates``), read again at the confirmation.
    decisions: so.Mapped[dict | None] = so.mapped_column(sa.JSON)

    user = so.relationship("User")

    def __str__(self) -> str:
        return f"Import n° {self.id} — {self.filename}"


class AuditEvent(db.Model):
    """Who changed what and when, field by field. Written once, never edited."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The user's e-mail at the time (kept when the account is later removed).
    user_label: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    #: admin, partner, import, cli, public, system
    source: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    action: so.Mapped[AuditAction] = so.mapped_column(enum_type(AuditAction, 20), index=True)
    #: Model class name, e.g. "Actor"; with entity_id the record concerned.
    entity_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    entity_id: so.Mapped[int | None]
    entity_label: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    #: The actor whose data changed (for partner review and scoping), when there is one.
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    #: {"field": [before, after], ...} as JSON-safe values.
    changes: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: True when before/after hold contacts' personal data: shown to officers and admins only.
    personal: so.Mapped[bool] = so.mapped_column(default=False)
    batch_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("import_batches.id", ondelete="SET NULL"), index=True
    )
    #: Review queue of partner changes.
    reviewed_at: so.Mapped[datetime | None]
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user = so.relationship("User", foreign_keys=[user_id])
    reviewed_by = so.relationship("User", foreign_keys=[reviewed_by_id])
    batch = so.relationship(ImportBatch)

    def __str__(self) -> str:
        return f"{self.action.label} — {self.entity_label or self.entity_type}"

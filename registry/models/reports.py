"""Errors visitors report on a public page (« Signaler une erreur »): read and closed by officers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.base import utcnow


class CitizenReport(db.Model):
    """A visitor's report about one public record. The e-mail is optional personal data (erasable)."""

    __tablename__ = "citizen_reports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    #: "Actor" or "Initiative", with entity_id the record reported; record_label its name at the time.
    entity_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    entity_id: so.Mapped[int]
    record_label: so.Mapped[str] = so.mapped_column(sa.String(300))
    #: The actor concerned (the initiative's lead for an initiative).
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    message: so.Mapped[str] = so.mapped_column(sa.Text)
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    handled_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    handled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    actor = so.relationship("Actor")
    handled_by = so.relationship("User")

    def __str__(self) -> str:
        return f"Signalement sur « {self.record_label} »"

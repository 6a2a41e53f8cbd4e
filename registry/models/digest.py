"""The weekly renewal digest: who asked for it, and which week each one was sent (so a run is idempotent)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.base import utcnow


class DigestSubscription(db.Model):
    """An officer (or admin) who asked to receive « À renouveler » by e-mail each week."""

    __tablename__ = "digest_subscriptions"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, nullable=False)


class DigestDelivery(db.Model):
    """One digest sent to one user for one ISO week ('2026-W49')."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (sa.UniqueConstraint("user_id", "week"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    week: so.Mapped[str] = so.mapped_column(sa.String(8))
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, nullable=False)

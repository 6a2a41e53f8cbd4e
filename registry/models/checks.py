"""What the public services last said about each actor: the company register (is its establishment still open,
which fields differ) and the geocoder (a position it proposed). Machine notes for officers, not records: they are
not audited and a new check replaces the old one."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.actors import Actor


class ReferenceCheck(db.Model):
    """The last register comparison and the last geocoding proposal of one actor."""

    __tablename__ = "reference_checks"
    #: A merge drops the duplicate's notes (they describe its SIRET and address) rather than giving them to the
    #: actor kept; the merge event keeps them, and its undo puts them back (services/records/editing/merge.py).
    __table_args__ = {"info": {"on_merge": "drop"}}

    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    #: "open", "closed" or "not_found" (the register has no public establishment of that SIRET).
    sirene_state: so.Mapped[str | None] = so.mapped_column(sa.String(12), index=True)
    sirene_checked_at: so.Mapped[datetime | None]
    sirene_closed_on: so.Mapped[date | None]
    #: The French labels of the fields where the register says something else, separated by "; ".
    sirene_differences: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    #: "applied", "to_check" (score below the threshold: an officer decides) or "not_found".
    geocode_status: so.Mapped[str | None] = so.mapped_column(sa.String(12), index=True)
    geocode_checked_at: so.Mapped[datetime | None]
    geocode_score: so.Mapped[float | None] = so.mapped_column(sa.Float)
    geocode_label: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    geocode_latitude: so.Mapped[float | None] = so.mapped_column(sa.Float)
    geocode_longitude: so.Mapped[float | None] = so.mapped_column(sa.Float)

    actor: so.Mapped[Actor] = so.relationship()

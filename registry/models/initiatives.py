"""Initiatives: projects led by an actor, with partner actors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.actors import Actor
from registry.models.base import Money, SortedByName, Timestamped, Versioned, enum_type, non_negative, ordered_dates
from registry.models.enums import InitiativeStatus
from registry.models.reference import Axis, Quartier, Sector

initiative_axes = sa.Table(
    "initiative_axes",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("axis_id", sa.ForeignKey("axes.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

initiative_sectors = sa.Table(
    "initiative_sectors",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

initiative_quartiers = sa.Table(
    "initiative_quartiers",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("quartier_id", sa.ForeignKey("quartiers.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Initiative(SortedByName, Timestamped, Versioned, db.Model):
    """A project such as a régie de quartier's workshop."""

    __tablename__ = "initiatives"
    sorted_by = "title"
    __table_args__ = (
        ordered_dates("start_date", "end_date"),
        *non_negative("budget", "city_funding", "jobs_created", "people_trained", "people_reached"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    summary: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[InitiativeStatus] = so.mapped_column(
        enum_type(InitiativeStatus), default=InitiativeStatus.ONGOING, index=True
    )
    start_date: so.Mapped[date | None]
    end_date: so.Mapped[date | None]
    lead_actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="RESTRICT"), index=True)
    city_wide: so.Mapped[bool] = so.mapped_column(default=False)
    budget: so.Mapped[Decimal | None] = so.mapped_column(Money)
    city_funding: so.Mapped[Decimal | None] = so.mapped_column(Money)
    jobs_created: so.Mapped[int | None]
    people_trained: so.Mapped[int | None]
    people_reached: so.Mapped[int | None]
    published: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    archived_at: so.Mapped[datetime | None]
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    lead_actor: so.Mapped[Actor] = so.relationship(foreign_keys=[lead_actor_id])
    partners: so.Mapped[list[InitiativePartner]] = so.relationship(
        back_populates="initiative", cascade="all, delete-orphan", passive_deletes=True
    )
    axes: so.Mapped[list[Axis]] = so.relationship(secondary=initiative_axes, order_by=Axis.position)
    sectors: so.Mapped[list[Sector]] = so.relationship(secondary=initiative_sectors, order_by=Sector.label)
    quartiers: so.Mapped[list[Quartier]] = so.relationship(secondary=initiative_quartiers, order_by=Quartier.name)

    @property
    def ref(self) -> str:
        """The workbook reference (Réf.) of an initiative is its slug."""
        return self.slug

    @property
    def is_public(self) -> bool:
        """Shown on public pages: published, not archived, and led by a public actor."""
        return self.published and self.archived_at is None

    def __str__(self) -> str:
        return self.title


class InitiativePartner(db.Model):
    """An actor taking part in an initiative it does not lead, with its role."""

    __tablename__ = "initiative_partners"
    __table_args__ = (sa.UniqueConstraint("initiative_id", "actor_id"),)

    # A key of its own (migration 0003): Flask-Admin's inline lists pair each row of the form with its record by
    # a single primary key; the pair (initiative, actor) stays unique.
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiatives.id", ondelete="CASCADE"))
    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="RESTRICT"), index=True)
    role: so.Mapped[str | None] = so.mapped_column(sa.String(200))

    initiative: so.Mapped[Initiative] = so.relationship(back_populates="partners")
    actor: so.Mapped[Actor] = so.relationship()

    def __str__(self) -> str:
        return f"{self.actor} ({self.role})" if self.role else str(self.actor)

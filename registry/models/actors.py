"""ESS actors and their contact persons."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.base import SortedByName, Timestamped, Versioned, enum_type, non_negative, utcnow
from registry.models.enums import ActorStatus, SiaeType
from registry.models.reference import Axis, LegalForm, Quartier, Sector

#: An ESUS agrément is granted for five years.
ESUS_VALIDITY = timedelta(days=5 * 365 + 1)

actor_axes = sa.Table(
    "actor_axes",
    db.metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("axis_id", sa.ForeignKey("axes.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

actor_sectors = sa.Table(
    "actor_sectors",
    db.metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Actor(SortedByName, Timestamped, Versioned, db.Model):
    """An organisation of the social and solidarity economy."""

    __tablename__ = "actors"
    __table_args__ = (
        sa.CheckConstraint("siret IS NULL OR length(siret) = 14", name="siret_length"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
        sa.CheckConstraint(
            "founding_year IS NULL OR (founding_year BETWEEN 1800 AND 2100)", name="founding_year_range"
        ),
        *non_negative("employees", "volunteers"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    legal_form_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("legal_forms.id", ondelete="RESTRICT"), index=True)
    siret: so.Mapped[str | None] = so.mapped_column(sa.String(14), unique=True)
    rna: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    ape_code: so.Mapped[str | None] = so.mapped_column(sa.String(6))
    esus_date: so.Mapped[date | None]
    siae_type: so.Mapped[SiaeType | None] = so.mapped_column(enum_type(SiaeType, 10))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    website: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    #: The organisation's own e-mail and phone (not personal data) are shown on the public page, in the API and in
    #: open data only when this is set (« Afficher ces coordonnées sur la fiche publique »).
    show_contact_details: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    address: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    postcode: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    commune: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    quartier_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("quartiers.id", ondelete="SET NULL"), index=True
    )
    latitude: so.Mapped[float | None] = so.mapped_column(sa.Float)
    longitude: so.Mapped[float | None] = so.mapped_column(sa.Float)
    employees: so.Mapped[int | None]
    volunteers: so.Mapped[int | None]
    founding_year: so.Mapped[int | None]
    status: so.Mapped[ActorStatus] = so.mapped_column(enum_type(ActorStatus), default=ActorStatus.ACTIVE, index=True)
    published: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    #: Accent-folded, lower-case text of name, description and sectors, for search.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    legal_form: so.Mapped[LegalForm] = so.relationship(lazy="joined", innerjoin=True)
    quartier: so.Mapped[Quartier | None] = so.relationship()
    axes: so.Mapped[list[Axis]] = so.relationship(secondary=actor_axes, order_by=Axis.position)
    sectors: so.Mapped[list[Sector]] = so.relationship(secondary=actor_sectors, order_by=Sector.label)
    contacts: so.Mapped[list[Contact]] = so.relationship(
        back_populates="actor", cascade="all, delete-orphan", passive_deletes=True, order_by="Contact.full_name"
    )

    @property
    def ref(self) -> str:
        """The workbook reference (Réf.) of an actor is its slug."""
        return self.slug

    @property
    def is_public(self) -> bool:
        """Shown on public pages: published and not archived."""
        return self.published and self.status != ActorStatus.ARCHIVED

    @property
    def esus_expiry(self) -> date | None:
        """End of the five-year ESUS agrément."""
        return self.esus_date + ESUS_VALIDITY if self.esus_date else None

    def __str__(self) -> str:
        return self.name


class Contact(Timestamped, Versioned, db.Model):
    """A person at an actor. Personal data: public only when flagged, erasable."""

    __tablename__ = "contacts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254), index=True)
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    public: so.Mapped[bool] = so.mapped_column(default=False)
    #: When the person agreed to be shown publicly (None when not public).
    consent_at: so.Mapped[datetime | None]

    actor: so.Mapped[Actor] = so.relationship(back_populates="contacts")

    def __str__(self) -> str:
        return self.full_name


class ActorSlugRedirect(db.Model):
    """The slug of an actor merged into another (« Fusionner »): its public page and API address answer 301 to the
    actor that stayed. Removed again when the merge is undone."""

    __tablename__ = "actor_slug_redirects"

    old_slug: so.Mapped[str] = so.mapped_column(sa.String(120), primary_key=True)
    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    actor: so.Mapped[Actor] = so.relationship()

    def __str__(self) -> str:
        return self.old_slug

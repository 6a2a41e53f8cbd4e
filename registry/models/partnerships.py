"""Partnerships between the city and an actor (subsidies, conventions, premises...)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.actors import Actor
from registry.models.base import Money, Timestamped, Versioned, enum_type, non_negative, ordered_dates
from registry.models.enums import PartnershipKind, PartnershipNature, PartnershipStatus, PaymentTerms
from registry.models.initiatives import Initiative
from registry.models.loans import LoanProgramme


class Partnership(Timestamped, Versioned, db.Model):
    """A relation between the city and an actor; published as SCDL « subventions » open data."""

    __tablename__ = "partnerships"
    __table_args__ = (
        ordered_dates("start_date", "end_date"),
        *non_negative("amount"),
        sa.CheckConstraint("subsidy_share > 0 AND subsidy_share <= 1", name="subsidy_share_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Stable workbook reference (Réf.), e.g. "PART-2025-001".
    ref: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="RESTRICT"), index=True)
    kind: so.Mapped[PartnershipKind] = so.mapped_column(enum_type(PartnershipKind), index=True)
    object: so.Mapped[str] = so.mapped_column(sa.String(256))
    initiative_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="SET NULL"), index=True
    )
    loan_programme_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("loan_programmes.id", ondelete="SET NULL"), index=True
    )
    decision_reference: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    decision_date: so.Mapped[date | None]
    convention_date: so.Mapped[date | None] = so.mapped_column(index=True)
    start_date: so.Mapped[date | None]
    end_date: so.Mapped[date | None] = so.mapped_column(index=True)
    amount: so.Mapped[Decimal | None] = so.mapped_column(Money)
    nature: so.Mapped[PartnershipNature] = so.mapped_column(
        enum_type(PartnershipNature), default=PartnershipNature.CASH
    )
    payment_terms: so.Mapped[PaymentTerms | None] = so.mapped_column(enum_type(PaymentTerms))
    status: so.Mapped[PartnershipStatus] = so.mapped_column(
        enum_type(PartnershipStatus), default=PartnershipStatus.DRAFT, index=True
    )
    officer_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: SCDL notificationUE: the aid was notified to the European Commission.
    eu_notification: so.Mapped[bool] = so.mapped_column(default=False)
    #: SCDL pourcentageSubvention: share of the funded cost the aid covers (0 < x <= 1).
    subsidy_share: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(5, 4), default=Decimal("1"))
    #: Another authority than the city that granted it (an SCDL file of that authority imported explicitly,
    #: ``workbook.scdl_import``): its name and SIRET; both empty for the city's own partnerships.
    attributor_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    attributor_siret: so.Mapped[str | None] = so.mapped_column(sa.String(14), index=True)

    actor: so.Mapped[Actor] = so.relationship()
    initiative: so.Mapped[Initiative | None] = so.relationship()
    loan_programme: so.Mapped[LoanProgramme | None] = so.relationship()

    @property
    def year(self) -> int | None:
        """Year the partnership counts for: its convention, start or decision date."""
        d = self.convention_date or self.start_date or self.decision_date
        return d.year if d else None

    def __str__(self) -> str:
        return f"{self.ref} — {self.object}"

"""Subsidised-loan programmes (prêts bonifiés) and their aggregated results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.actors import Actor
from registry.models.base import (
    Money,
    Rate,
    SortedByName,
    Timestamped,
    Versioned,
    enum_type,
    non_negative,
    ordered_dates,
)
from registry.models.enums import LoanPurpose, ProgrammeStatus
from registry.models.reference import Axis, Quartier

programme_axes = sa.Table(
    "loan_programme_axes",
    db.metadata,
    sa.Column("programme_id", sa.ForeignKey("loan_programmes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("axis_id", sa.ForeignKey("axes.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class LoanProgramme(SortedByName, Timestamped, Versioned, db.Model):
    """A subsidised-loan scheme: the city pays part of the interest of loans made by a lender."""

    __tablename__ = "loan_programmes"
    __table_args__ = (
        ordered_dates("start_date", "end_date"),
        *non_negative("min_amount", "max_amount", "yearly_envelope"),
        sa.CheckConstraint(
            "min_amount IS NULL OR max_amount IS NULL OR max_amount >= min_amount", name="max_amount_above_min"
        ),
        sa.CheckConstraint("max_duration_months IS NULL OR max_duration_months > 0", name="duration_positive"),
        sa.CheckConstraint("nominal_rate IS NULL OR (nominal_rate BETWEEN 0 AND 100)", name="nominal_rate_range"),
        sa.CheckConstraint("borrower_rate IS NULL OR (borrower_rate BETWEEN 0 AND 100)", name="borrower_rate_range"),
        sa.CheckConstraint(
            "borrower_rate IS NULL OR nominal_rate IS NULL OR borrower_rate <= nominal_rate",
            name="borrower_rate_not_above_nominal",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    lender_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="RESTRICT"), index=True)
    #: LoanPurpose values, e.g. ["mobility", "training"].
    purposes: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    target_public: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    min_amount: so.Mapped[Decimal | None] = so.mapped_column(Money)
    max_amount: so.Mapped[Decimal | None] = so.mapped_column(Money)
    max_duration_months: so.Mapped[int | None]
    nominal_rate: so.Mapped[Decimal | None] = so.mapped_column(Rate)
    borrower_rate: so.Mapped[Decimal | None] = so.mapped_column(Rate)
    yearly_envelope: so.Mapped[Decimal | None] = so.mapped_column(Money)
    start_date: so.Mapped[date | None]
    end_date: so.Mapped[date | None]
    eligibility: so.Mapped[str | None] = so.mapped_column(sa.Text)
    how_to_apply: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[ProgrammeStatus] = so.mapped_column(
        enum_type(ProgrammeStatus), default=ProgrammeStatus.OPEN, index=True
    )
    published: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    archived_at: so.Mapped[datetime | None]

    lender: so.Mapped[Actor] = so.relationship()
    axes: so.Mapped[list[Axis]] = so.relationship(secondary=programme_axes, order_by=Axis.position)
    reports: so.Mapped[list[LoanReport]] = so.relationship(
        back_populates="programme", order_by="LoanReport.period_start", passive_deletes=True
    )

    @property
    def ref(self) -> str:
        """The workbook reference (Réf.) of a programme is its slug."""
        return self.slug

    @property
    def purpose_members(self) -> list[LoanPurpose]:
        """The purposes as enum members."""
        return [LoanPurpose(p) for p in self.purposes or []]

    @property
    def is_public(self) -> bool:
        """Shown on public pages: published and not archived."""
        return self.published and self.archived_at is None

    def __str__(self) -> str:
        return self.name


class LoanReport(Timestamped, Versioned, db.Model):
    """Aggregated results of a programme for a period; never data about one borrower."""

    __tablename__ = "loan_reports"
    __table_args__ = (
        ordered_dates("period_start", "period_end"),
        *non_negative("loans_granted", "amount_granted", "amount_repaid", "defaults"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("loan_programmes.id", ondelete="RESTRICT"), index=True
    )
    period_start: so.Mapped[date]
    period_end: so.Mapped[date]
    quartier_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("quartiers.id", ondelete="SET NULL"), index=True
    )
    purpose: so.Mapped[LoanPurpose | None] = so.mapped_column(enum_type(LoanPurpose))
    loans_granted: so.Mapped[int] = so.mapped_column(default=0)
    amount_granted: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0"))
    amount_repaid: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0"))
    defaults: so.Mapped[int] = so.mapped_column(default=0)

    programme: so.Mapped[LoanProgramme] = so.relationship(back_populates="reports")
    quartier: so.Mapped[Quartier | None] = so.relationship()

    def __str__(self) -> str:
        return f"{self.programme} — {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"

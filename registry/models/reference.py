"""Reference data: axes of the plan, quartiers, sectors, legal forms."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.base import SortedByName, Versioned, enum_type
from registry.models.enums import LegalFamily


class Axis(Versioned, db.Model):
    """One of the five axes of the city's ESS plan."""

    __tablename__ = "axes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    position: so.Mapped[int] = so.mapped_column(default=0)

    def __str__(self) -> str:
        return self.label


class Quartier(SortedByName, Versioned, db.Model):
    """A quartier of Lille, or an associated commune (Hellemmes, Lomme)."""

    __tablename__ = "quartiers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    commune: so.Mapped[str] = so.mapped_column(sa.String(120))
    #: Other names people type ("Moulins", "St Maurice"), separated by ";".
    aliases: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    @property
    def alias_list(self) -> list[str]:
        """The aliases as a list."""
        return [a.strip() for a in (self.aliases or "").split(";") if a.strip()]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def in_order(cls) -> tuple:
        """The one order of quartier lists everywhere (forms, filters, public pages): Lille's quartiers by name,
        then the associated communes (Hellemmes, Lomme)."""
        return (cls.commune != "Lille", cls.commune, cls.name)


class Sector(SortedByName, Versioned, db.Model):
    """An activity sector; four are strategic for the plan."""

    __tablename__ = "sectors"
    sorted_by = "label"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    strategic: so.Mapped[bool] = so.mapped_column(default=False)
    #: NAF codes typical of the sector, separated by ";".
    naf_codes: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    def __str__(self) -> str:
        return self.label


class LegalForm(SortedByName, Versioned, db.Model):
    """A legal form met in the ESS, with its family and optional INSEE code."""

    __tablename__ = "legal_forms"
    sorted_by = "label"
    __table_args__ = (
        sa.CheckConstraint("insee_code IS NULL OR length(insee_code) = 4", name="insee_code_four_digits"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(160), unique=True)
    family: so.Mapped[LegalFamily] = so.mapped_column(enum_type(LegalFamily))
    insee_code: so.Mapped[str | None] = so.mapped_column(sa.String(4))

    def __str__(self) -> str:
        return self.label

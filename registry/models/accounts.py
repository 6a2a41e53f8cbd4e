"""User accounts and the public's account requests."""

from __future__ import annotations

import secrets
import time
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models.actors import Actor
from registry.models.base import Timestamped, Versioned, enum_type
from registry.models.enums import RequestedRole, RequestStatus, Role


def new_session_token() -> str:
    """A random token; changing it ends every session and remember-me cookie of the user."""
    return secrets.token_urlsafe(24)


class User(Timestamped, Versioned, db.Model):
    """Someone who signs in: city staff (admin, officer, analyst) or one organisation's partner account."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role <> 'partner' OR actor_id IS NOT NULL", name="partner_has_actor"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: None until the user sets a password from an invitation link.
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    role: so.Mapped[Role] = so.mapped_column(enum_type(Role, 20), index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="RESTRICT"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token)
    password_changed_at: so.Mapped[datetime | None]
    last_login_at: so.Mapped[datetime | None]
    invited_at: so.Mapped[datetime | None]

    actor: so.Mapped[Actor | None] = so.relationship()

    #: Set at sign-in (remember me ticked or not) and by the loader (from the cookie); not a column.
    remember_session = False
    session_issued_at = None

    # Flask-Login protocol: the session and remember-me cookies hold "id:session_token:issued:r|s", so rotating
    # the token ends every session, and the loader refuses a cookie older than the lifetime allowed for it.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        issued = self.session_issued_at or int(time.time())
        return f"{self.id}:{self.session_token}:{issued}:{'r' if self.remember_session else 's'}"

    def __str__(self) -> str:
        return self.full_name or self.email


class AccountRequest(Timestamped, Versioned, db.Model):
    """A request for an account made on the public form, approved or rejected by an admin."""

    __tablename__ = "account_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    organisation: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    siret: so.Mapped[str | None] = so.mapped_column(sa.String(14))
    requested_role: so.Mapped[RequestedRole] = so.mapped_column(enum_type(RequestedRole, 20))
    message: so.Mapped[str | None] = so.mapped_column(sa.Text)
    consent_at: so.Mapped[datetime]
    status: so.Mapped[RequestStatus] = so.mapped_column(
        enum_type(RequestStatus, 20), default=RequestStatus.PENDING, index=True
    )
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: so.Mapped[datetime | None]
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("actors.id", ondelete="SET NULL"))

    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])
    user: so.Mapped[User | None] = so.relationship(foreign_keys=[user_id])
    actor: so.Mapped[Actor | None] = so.relationship()

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

"""User accounts: creation and password changes, shared by the CLI, the back office and the auth flows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditAction, Role, User
from registry.models.accounts import new_session_token
from registry.models.base import utcnow
from registry.services import normalize as n
from registry.services.audit import record_event
from registry.services.errors import Collector, ValidationError, ValidationErrors
from registry.services.matching import match_enum
from registry.services.passwords import check_password_policy, hash_password


def find_actor(session: so.Session, key: str) -> Actor | None:
    """An actor by SIRET (spaces allowed) or slug."""
    key = (key or "").strip()
    digits = key.replace(" ", "")
    if digits.isdigit():
        return session.scalar(sa.select(Actor).where(Actor.siret == digits))
    return session.scalar(sa.select(Actor).where(Actor.slug == key.lower()))


def set_password(session: so.Session, user: User, password: str) -> None:
    """Check the policy, store the hash and end the user's other sessions."""
    check_password_policy(password, [user.email, *(user.full_name or "").split()])
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()


def create_user(
    session: so.Session,
    *,
    email: str,
    role: str | Role,
    actor: Actor | None = None,
    full_name: str = "",
    password: str | None = None,
    by: User | None = None,
    source: str = "cli",
) -> User:
    """Create an account (with a password, or without one until an invitation is accepted)."""
    c = Collector()
    email_norm = c.check("email", n.normalize_email, email)
    if not email_norm and "email" not in c.errors:
        c.add("email", "L'adresse électronique est obligatoire.")
    role_value = c.check("role", match_enum, Role, role, "Rôle")
    if role_value is None and "role" not in c.errors:
        c.add("role", "Le rôle est obligatoire.")
    if role_value == Role.PARTNER and actor is None:
        c.add("actor", "Un compte partenaire doit être rattaché à un acteur.")
    if role_value not in (Role.PARTNER, None) and actor is not None:
        c.add("actor", "Seuls les comptes partenaires sont rattachés à un acteur.")
    if email_norm and session.scalar(sa.select(User.id).where(User.email == email_norm)) is not None:
        c.add("email", f"Un compte existe déjà pour {email_norm}.")
    c.raise_if_any()
    user = User(email=email_norm, role=role_value, actor=actor, full_name=(full_name or "").strip(), active=True)
    if password is not None:
        try:
            set_password(session, user, password)
        except ValidationError as exc:
            raise ValidationErrors({"password": exc.message}) from None
    session.add(user)
    session.flush()
    record_event(
        session,
        action=AuditAction.ACCOUNT,
        source=source,
        user=by,
        obj=user,
        changes={"role": [None, user.role.value], "actor": [None, str(actor) if actor else None]},
    )
    return user

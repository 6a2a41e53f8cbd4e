"""User accounts: creation and password changes, shared by the CLI, the back office and the auth flows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditAction, Role, User
from registry.models.accounts import new_session_token
from registry.models.base import utcnow
from registry.services.accounts.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)
from registry.services.history.audit import record_event
from registry.services.records import editing
from registry.services.records.errors import Collector, ValidationError, ValidationErrors
from registry.services.reference import normalize as n
from registry.services.reference.matching import match_enum


def find_actor(session: so.Session, key: str) -> Actor | None:
    """An actor by SIRET (spaces allowed) or slug."""
    key = (key or "").strip()
    digits = key.replace(" ", "")
    if digits.isdigit():
        return session.scalar(sa.select(Actor).where(Actor.siret == digits))
    return session.scalar(sa.select(Actor).where(Actor.slug == key.lower()))


def authenticate(session: so.Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. Unknown e-mails, accounts without a password yet
    and deactivated accounts cost one full password check too, so timing tells nothing. On success the hash is
    upgraded when the hashing parameters changed, and the sign-in is recorded (the caller commits)."""
    email_norm = (email or "").strip().lower()
    user = session.scalar(sa.select(User).where(User.email == email_norm)) if email_norm else None
    if user is None or not user.password_hash:
        verify_dummy(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record_event(session, action=AuditAction.LOGIN, source="public", user=user, obj=user)
    return user


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
    email_norm = c.required("email", "L'adresse électronique est obligatoire.", n.normalize_email, email)
    role_value = c.required("role", "Le rôle est obligatoire.", match_enum, Role, role, "Rôle")
    _check_role_and_actor(c, role_value, actor)
    if email_norm and session.scalar(sa.select(User.id).where(User.email == email_norm)) is not None:
        c.add("email", f"Un compte existe déjà pour {email_norm}.")
    c.raise_if_any()
    user = User(email=email_norm, role=role_value, actor=actor, full_name=(full_name or "").strip(), active=True)

    def set_first_password(new_user: User) -> None:
        if password is not None:
            try:
                set_password(session, new_user, password)
            except ValidationError as exc:
                raise ValidationErrors({"password": exc.message}) from None

    editing.create(session, user, apply=set_first_password, user=by, source=source, action=AuditAction.ACCOUNT)
    return user


#: Marks an argument of ``update_user`` left as it is.
UNCHANGED = object()

LAST_ADMIN = (
    "C'est le dernier administrateur actif : nommez d'abord un autre administrateur, "
    "sinon plus personne ne pourra gérer les comptes."
)


def _check_role_and_actor(c: Collector, role: Role | None, actor: Actor | None) -> None:
    if role == Role.PARTNER and actor is None:
        c.add("actor", "Un compte partenaire doit être rattaché à un acteur.")
    if role not in (Role.PARTNER, None) and actor is not None:
        c.add("actor", "Seuls les comptes partenaires sont rattachés à un acteur.")


def other_active_admins(session: so.Session, user: User) -> int:
    """How many active admins there are besides ``user`` (rows locked on PostgreSQL: two admins demoting each
    other at the same time cannot both succeed)."""
    ids = session.scalars(
        sa.select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != (user.id or 0))
        .with_for_update()
    ).all()
    return len(ids)


def _guard_last_admin(session: so.Session, user: User, *, keeps_admin: bool, field: str) -> None:
    """Refuse to remove, deactivate or demote the last active admin."""
    was_admin = session.scalar(sa.select(User.id).where(User.id == user.id, User.role == Role.ADMIN, User.active))
    if was_admin is not None and not keeps_admin and other_active_admins(session, user) == 0:
        raise ValidationErrors({field: LAST_ADMIN})


def update_user(
    session: so.Session,
    user: User,
    *,
    by: User | None,
    source: str,
    role: str | Role | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    actor: Actor | object | None = UNCHANGED,
    opened=editing.AS_IS,
) -> dict:
    """Change an account's role, active flag, name or actor; audited. Returns the changes {field: [old, new]}.
    ``opened`` is the sealed state of the back office's form (a stale form raises Conflict); AS_IS elsewhere.

    Deactivating ends the account's sessions and voids the links it was sent."""

    def apply(account: User) -> None:
        c = Collector()
        new_role = account.role if role is None else c.check("role", match_enum, Role, role, "Rôle")
        new_actor = account.actor if actor is UNCHANGED else actor
        if new_role is not None and new_role != Role.PARTNER and actor is UNCHANGED and role is not None:
            new_actor = None  # a staff role has no actor: leaving the partner role detaches it
        _check_role_and_actor(c, new_role, new_actor)
        if full_name is not None:
            name = c.check("full_name", n.clean_text, full_name, 200)
        c.raise_if_any()
        new_active = account.active if active is None else bool(active)
        keeps_admin = new_role == Role.ADMIN and new_active
        _guard_last_admin(session, account, keeps_admin=keeps_admin, field="role" if new_active else "active")
        if account.active and not new_active:
            account.session_token = new_session_token()
        account.role, account.active, account.actor = new_role, new_active, new_actor
        if full_name is not None:
            account.full_name = name or ""

    changes = editing.save(
        session, user, apply=apply, opened=opened, user=by, source=source, action=AuditAction.ACCOUNT
    )
    return changes.fields


def delete_user(session: so.Session, user: User, *, by: User | None, source: str) -> None:
    """Remove an account (never the last active admin); its audit trail keeps the e-mail it acted under."""
    _guard_last_admin(session, user, keeps_admin=False, field="active")
    editing.delete(session, user, opened=editing.AS_IS, user=by, source=source)

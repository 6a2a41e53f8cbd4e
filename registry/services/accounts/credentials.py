"""Invitations, forgotten passwords and password changes: the e-mailed-link flows shared by the public pages,
the back office and the CLI."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import AuditAction, User
from registry.models.accounts import new_session_token
from registry.models.base import utcnow
from registry.services.accounts.tokens import make_token, max_age
from registry.services.accounts.users import set_password
from registry.services.history.audit import json_value, record_event
from registry.services.outputs.mail import queue_mail
from registry.services.records.errors import ValidationError
from registry.services.reference import normalize as n


def _account_event(session: so.Session, user: User, change: dict, *, by: User | None, source: str) -> None:
    """The audit line of an account's sign-in matter (reset asked, invitation, password set): no secret in it."""
    record_event(session, action=AuditAction.ACCOUNT, source=source, user=by, obj=user, changes=change)


def find_active_user(session: so.Session, email: str | None) -> User | None:
    """The active account with this e-mail (any case), or None (also for a malformed address)."""
    try:
        email_norm = n.normalize_email(email)
    except ValidationError:
        return None
    if not email_norm:
        return None
    return session.scalar(sa.select(User).where(User.email == email_norm, User.active.is_(True)))


def request_password_reset(session: so.Session, email: str | None) -> User | None:
    """E-mail a one-hour reset link when an active account has this address. The caller answers the same way
    whatever this returns, so nobody learns which addresses have an account."""
    user = find_active_user(session, email)
    if user is None:
        return None
    _account_event(session, user, {"password_reset": [None, "requested"]}, by=None, source="public")
    queue_mail(
        session,
        user.email,
        "Réinitialisation de votre mot de passe",
        "password_reset",
        user=user,
        token=make_token(user, "reset"),
        background=True,
    )
    return user


def send_invitation(
    session: so.Session, user: User, *, by: User | None, source: str, request_accepted: bool = False
) -> None:
    """E-mail ``user`` a link to choose a password (valid INVITATION_MAX_AGE). A new invitation voids the
    previous link. Raises ValidationError for an account that is inactive or already has a password. The message
    leaves when the caller commits (``mail.undelivered`` then says whether it could not: resend it later)."""
    if not user.active:
        raise ValidationError("Ce compte est désactivé : réactivez-le avant de renvoyer une invitation.")
    if user.password_hash:
        raise ValidationError(
            f"{user.email} a déjà choisi un mot de passe : pas d'invitation à renvoyer "
            "(en cas d'oubli, la personne utilise « mot de passe oublié ? »)."
        )
    before = json_value(user.invited_at)
    user.session_token = new_session_token()  # voids the link of any earlier invitation
    user.invited_at = utcnow()
    session.flush()
    _account_event(session, user, {"invited_at": [before, json_value(user.invited_at)]}, by=by, source=source)
    queue_mail(
        session,
        user.email,
        "Votre accès au registre de l'ESS de Lille",
        "invitation",
        user=user,
        token=make_token(user, "invite"),
        valid_days=max(1, max_age("invite") // 86400),
        request_accepted=request_accepted,
    )


def complete_password_change(session: so.Session, user: User, password: str, *, purpose: str) -> None:
    """Set the password chosen from an e-mailed link: the policy applies, every session of the account ends
    (the user signs in again), every link already sent becomes void, and the user is told by e-mail.
    Raises ValidationError when the password breaks the policy."""
    before = json_value(user.password_changed_at)
    set_password(session, user, password)
    session.flush()
    changed = {"password_changed_at": [before, json_value(user.password_changed_at)]}
    _account_event(session, user, changed, by=user, source="public")
    queue_mail(
        session,
        user.email,
        "Votre mot de passe a été " + ("défini" if purpose == "invite" else "modifié"),
        "password_changed",
        user=user,
        invitation=purpose == "invite",
        background=True,
    )

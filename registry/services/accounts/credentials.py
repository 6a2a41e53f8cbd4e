"""Invitations, forgotten passwords and password changes: the e-mailed-link flows shared by the public pages,
the back office and the CLI."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import AuditAction, User
from registry.models.accounts import new_session_token
from registry.models.base import utcnow
from registry.services.accounts.tokens import absolute_url, max_age, token_link
from registry.services.accounts.users import set_password
from registry.services.history.audit import json_value, record_event
from registry.services.outputs.mail import MailError, send_mail
from registry.services.records.errors import ValidationError
from registry.services.reference import normalize as n

log = logging.getLogger(__name__)


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
    link = token_link(user, "reset")
    record_event(
        session, action=AuditAction.ACCOUNT, source="public", obj=user, changes={"password_reset": [None, "requested"]}
    )
    try:
        send_mail(
            user.email,
            "Réinitialisation de votre mot de passe",
            "password_reset",
            user=user,
            link=link,
            background=True,
        )
    except MailError:
        log.exception("Password reset e-mail not sent (user %s)", user.id)
    return user


def send_invitation(
    session: so.Session, user: User, *, by: User | None, source: str, request_accepted: bool = False
) -> None:
    """E-mail ``user`` a link to choose a password (valid INVITATION_MAX_AGE). A new invitation voids the
    previous link. Raises ValidationError for an account that is inactive or already has a password, and
    MailError when the message cannot be delivered (the invitation is recorded anyway: resend it later)."""
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
    record_event(
        session,
        action=AuditAction.ACCOUNT,
        source=source,
        user=by,
        obj=user,
        changes={"invited_at": [before, json_value(user.invited_at)]},
    )
    send_mail(
        user.email,
        "Votre accès au registre de l'ESS de Lille",
        "invitation",
        user=user,
        link=token_link(user, "invite"),
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
    record_event(
        session,
        action=AuditAction.ACCOUNT,
        source="public",
        user=user,
        obj=user,
        changes={"password_changed_at": [before, json_value(user.password_changed_at)]},
    )
    try:
        send_mail(
            user.email,
            "Votre mot de passe a été " + ("défini" if purpose == "invite" else "modifié"),
            "password_changed",
            user=user,
            invitation=purpose == "invite",
            forgot_link=absolute_url("auth.forgot_password"),
            background=True,
        )
    except MailError:
        log.exception("Password change notification not sent (user %s)", user.id)

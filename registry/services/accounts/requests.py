"""Requests for an account made on the public form: submit, approve (creating the account and inviting it),
reject with a reason, and purge the rejected ones after the retention period."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm as so

from registry.models import AccountRequest, Actor, AuditAction, LegalForm, RequestedRole, RequestStatus, Role, User
from registry.models.base import utcnow
from registry.services.accounts.credentials import send_invitation
from registry.services.accounts.users import create_user
from registry.services.history.audit import diff, record_event, snapshot
from registry.services.outputs.mail import queue_mail
from registry.services.records.actors import clean_actor
from registry.services.records.errors import Collector, ValidationError, ValidationErrors
from registry.services.reference import normalize as n
from registry.services.reference.matching import match_enum

STAFF_ROLES = (Role.OFFICER, Role.ANALYST, Role.ADMIN)


def request_label(account_request: AccountRequest) -> str:
    """How the audit names a request: no name or e-mail, so the trail stays pseudonymous after the purge."""
    return f"Demande d'accès n° {account_request.id}"


def _audit(session, account_request, action, *, by, source, changes) -> None:
    record_event(
        session,
        action=action,
        source=source,
        user=by,
        obj=account_request,
        entity_label=request_label(account_request),
        changes=changes,
    )


def submit_account_request(session: so.Session, **fields) -> AccountRequest | None:
    """Record a request from the public form and acknowledge it by e-mail (``check_account_request`` then
    ``record_account_request``). Raises ValidationErrors (French, per field)."""
    return record_account_request(session, **check_account_request(**fields))


def check_account_request(
    *,
    full_name: str,
    email: str,
    requested_role: str | RequestedRole,
    organisation: str | None = None,
    siret: str | None = None,
    message: str | None = None,
) -> dict:
    """The fields of a request, cleaned, without reading the database (so the public form spends the same time
    whatever the address typed). Raises ValidationErrors (French, per field)."""
    c = Collector()
    name = c.required("full_name", "Indiquez votre nom et votre prénom.", n.clean_text, full_name, 200)
    email_norm = c.required("email", "Indiquez votre adresse électronique.", n.normalize_email, email)
    role = c.required(
        "requested_role",
        "Indiquez si vous représentez une organisation ou la Ville.",
        match_enum,
        RequestedRole,
        requested_role,
        "Type d'accès",
    )
    organisation = c.check("organisation", n.clean_text, organisation, 200)
    if role == RequestedRole.PARTNER and not organisation and "organisation" not in c.errors:
        c.add("organisation", "Indiquez le nom de votre organisation.")
    siret = c.check("siret", n.normalize_siret, siret)
    message = c.check("message", n.clean_text, message, 2000)
    c.raise_if_any()
    return {
        "full_name": name,
        "email": email_norm,
        "requested_role": role,
        "organisation": organisation,
        "siret": siret,
        "message": message,
    }


def record_account_request(
    session: so.Session,
    *,
    full_name: str,
    email: str,
    requested_role: RequestedRole,
    organisation: str | None,
    siret: str | None,
    message: str | None,
) -> AccountRequest | None:
    """Store checked fields (``check_account_request``) and acknowledge by e-mail. When the address already has an
    account, or a pending request, no new request is stored and the address is told so by e-mail: the page
    answers the same in every case."""
    name, email_norm, role = full_name, email, requested_role
    if session.scalar(sa.select(User.id).where(User.email == email_norm)) is not None:
        queue_mail(
            session, email_norm, "Votre demande d'accès", "account_request_existing", email=email_norm, background=True
        )
        return None
    pending = session.scalar(
        sa.select(AccountRequest).where(
            AccountRequest.email == email_norm, AccountRequest.status == RequestStatus.PENDING
        )
    )
    if pending is not None:
        queue_mail(
            session,
            email_norm,
            "Votre demande d'accès",
            "account_request_received",
            account_request=pending,
            background=True,
        )
        return None
    account_request = AccountRequest(
        full_name=name,
        email=email_norm,
        requested_role=role,
        organisation=organisation,
        siret=siret,
        message=message,
        consent_at=utcnow(),
        status=RequestStatus.PENDING,
    )
    session.add(account_request)
    session.flush()
    _audit(
        session,
        account_request,
        AuditAction.CREATE,
        by=None,
        source="public",
        changes={"status": [None, "pending"], "requested_role": [None, role.value]},
    )
    queue_mail(
        session,
        email_norm,
        "Votre demande d'accès",
        "account_request_received",
        account_request=account_request,
        background=True,
    )
    admins = session.scalars(sa.select(User.email).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    if admins:
        queue_mail(
            session,
            list(admins),
            "Nouvelle demande d'accès au registre",
            "account_request_admin",
            account_request=account_request,
            background=True,
        )
    return account_request


def _check_pending(account_request: AccountRequest) -> None:
    if account_request.status != RequestStatus.PENDING:
        raise ValidationError(f"Cette demande a déjà été traitée ({account_request.status.label.lower()}).")


def create_actor_for_request(
    session: so.Session,
    account_request: AccountRequest,
    *,
    name: str | None,
    legal_form: LegalForm | None,
    by: User | None,
    source: str,
) -> Actor:
    """A new, unpublished actor for an approved partner request (an officer completes and publishes it)."""
    actor = Actor(name=name or account_request.organisation, siret=account_request.siret, published=False)
    actor.legal_form = legal_form
    session.add(actor)
    clean_actor(session, actor)
    session.flush()
    record_event(
        session, action=AuditAction.CREATE, source=source, user=by, obj=actor, changes=diff({}, snapshot(actor))
    )
    return actor


def approve_account_request(
    session: so.Session,
    account_request: AccountRequest,
    *,
    by: User | None,
    role: str | Role,
    actor: Actor | None = None,
    new_actor_name: str | None = None,
    new_actor_legal_form: LegalForm | None = None,
    source: str = "admin",
) -> User:
    """Create the account asked for and e-mail its invitation. A partner is tied to ``actor``, or to a new actor
    made from the request when ``new_actor_legal_form`` is given. Raises ValidationError(s) on a bad choice. The
    invitation leaves when the caller commits (``mail.undelivered`` says if it could not: resend it later)."""
    _check_pending(account_request)
    role_value = match_enum(Role, role, "Rôle")
    if role_value is None:
        raise ValidationErrors({"role": "Choisissez le rôle du compte."})
    if role_value == Role.PARTNER and actor is None:
        if new_actor_legal_form is None:
            raise ValidationErrors(
                {"actor": "Choisissez l'acteur existant, ou la forme juridique du nouvel acteur à créer."}
            )
        actor = create_actor_for_request(
            session, account_request, name=new_actor_name, legal_form=new_actor_legal_form, by=by, source=source
        )
    user = create_user(
        session,
        email=account_request.email,
        role=role_value,
        actor=actor if role_value == Role.PARTNER else None,
        full_name=account_request.full_name,
        by=by,
        source=source,
    )
    before = snapshot(account_request)
    account_request.status = RequestStatus.APPROVED
    account_request.decided_by = by
    account_request.decided_at = utcnow()
    account_request.user = user
    account_request.actor = user.actor
    session.flush()
    _audit(
        session,
        account_request,
        AuditAction.UPDATE,
        by=by,
        source=source,
        changes={"status": [before["status"], "approved"], "user": [None, user.email]},
    )
    send_invitation(session, user, by=by, source=source, request_accepted=True)
    return user


def reject_account_request(
    session: so.Session, account_request: AccountRequest, *, by: User | None, reason: str, source: str = "admin"
) -> None:
    """Refuse a request with a reason, e-mailed to the requester. Raises ValidationErrors without a reason; the
    e-mail leaves when the caller commits (``mail.undelivered`` says if it could not: the refusal stands)."""
    _check_pending(account_request)
    c = Collector()
    reason = c.required(
        "reason", "Indiquez le motif du refus : il est envoyé à la personne.", n.clean_text, reason, 2000
    )
    c.raise_if_any()
    account_request.status = RequestStatus.REJECTED
    account_request.decided_by = by
    account_request.decided_at = utcnow()
    account_request.decision_reason = reason
    session.flush()
    _audit(
        session, account_request, AuditAction.UPDATE, by=by, source=source, changes={"status": ["pending", "rejected"]}
    )
    queue_mail(
        session,
        account_request.email,
        "Votre demande d'accès au registre",
        "account_request_rejected",
        account_request=account_request,
        retention_days=current_app.config["ACCOUNT_REQUEST_RETENTION_DAYS"],
    )


def purge_account_requests(session: so.Session, *, days: int | None = None, now=None, dry_run: bool = False) -> int:
    """Delete the requests rejected more than ``days`` (default ACCOUNT_REQUEST_RETENTION_DAYS) ago; the audit
    keeps only "request n° N deleted". Returns how many were (or, with ``dry_run``, would be) deleted."""
    days = current_app.config["ACCOUNT_REQUEST_RETENTION_DAYS"] if days is None else days
    if days < 0:
        raise ValidationError("La durée de conservation ne peut pas être négative.")
    cutoff = (now or utcnow()) - timedelta(days=days)
    expired = session.scalars(
        sa.select(AccountRequest).where(
            AccountRequest.status == RequestStatus.REJECTED, AccountRequest.decided_at < cutoff
        )
    ).all()
    if dry_run:
        return len(expired)
    for account_request in expired:
        _audit(
            session, account_request, AuditAction.DELETE, by=None, source="cli", changes={"status": ["rejected", None]}
        )
        session.delete(account_request)
    session.flush()
    return len(expired)

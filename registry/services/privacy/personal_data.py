"""Rights of a person over their data (GDPR articles 15 and 17, SECURITY.md 32–33): find everything the
registry holds about one person (by e-mail or by name), give it to them as a file, erase it.

Erasure deletes their contact entries and account requests, anonymises and deactivates their user account
(audit rows keep pointing at it), and scrubs their name, e-mail and phone from the before/after values of the
audit. What remains is a pseudonymous trace: "Personne effacée n° <hash prefix>", the prefix being an HMAC of
the search key under the application's secret, so the access request and the erasure of one person can be
matched without keeping who they were.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm as so

from registry.models import AccountRequest, Actor, AuditAction, AuditEvent, CitizenReport, Contact, ImportBatch, User
from registry.models.accounts import new_session_token
from registry.models.base import utcnow
from registry.services.accounts.users import other_active_admins
from registry.services.history.audit import record_event
from registry.services.history.reverts import ERASED_MARK
from registry.services.records.errors import ValidationError
from registry.services.reference import normalize as n

#: Fields of these records that identify a person: replaced by ERASED_MARK in the audit of their records.
PERSONAL_FIELDS = {
    "Contact": {"full_name", "role", "email", "phone"},
    "User": {"full_name", "email", "user"},
    "AccountRequest": {"full_name", "email", "message", "decision_reason", "user"},
}
#: Characters of a name replaced by a one-character wildcard in the SQL pre-filter (accents vary).
_FUZZY = re.compile(r"[^bdfghjklmpqrstvwxzBDFGHJKLMPQRSTVWXZ0-9 '-]")


@dataclass
class Person:
    """Everything held about one person."""

    email: str | None
    name: str | None
    key: str
    contacts: list[Contact] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    requests: list[AccountRequest] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)
    #: Error reports sent from the public site with this e-mail (« Signaler une erreur »).
    reports: list[CitizenReport] = field(default_factory=list)
    #: Organisations whose own e-mail or phone is one of this person's (organisation data: not erased).
    organisations: list[tuple[Actor, str]] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """Pseudonymous number of the person: an HMAC of the search key, shortened."""
        secret = current_app.config["SECRET_KEY"].encode()
        return hmac.new(secret, self.key.encode(), hashlib.sha256).hexdigest()[:12]

    @property
    def pseudonym(self) -> str:
        return f"Personne effacée n° {self.reference}"

    @property
    def found(self) -> bool:
        return bool(self.contacts or self.users or self.requests or self.events or self.reports)

    @property
    def phones(self) -> set[str]:
        return {c.phone for c in self.contacts if c.phone}

    @property
    def emails(self) -> set[str]:
        found = {c.email for c in self.contacts if c.email} | {u.email for u in self.users}
        found |= {r.email for r in self.requests}
        return {e.lower() for e in found | ({self.email} if self.email else set())}

    @property
    def names(self) -> set[str]:
        found = {c.full_name for c in self.contacts} | {u.full_name for u in self.users if u.full_name}
        found |= {r.full_name for r in self.requests}
        return found | ({self.name} if self.name else set())


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _name_clause(column, name: str):
    """A pre-filter on ``column`` (exact match is checked in Python, accent- and case-insensitively)."""
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(_FUZZY.sub("_", escaped), escape="\\")


def _same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and n.fold(a) == n.fold(b)


def find_person(session: so.Session, *, email: str | None = None, name: str | None = None) -> Person:
    """Everything about the person with this e-mail (exact, any case) or this full name (any case, any
    accents). Raises ValidationError when neither is given."""
    email = (email or "").strip().lower() or None
    name = " ".join((name or "").split()) or None
    if not email and not name:
        raise ValidationError("Indiquez l'adresse électronique ou le nom et prénom de la personne.")
    person = Person(email=email, name=name, key=f"email:{email}" if email else f"name:{n.fold(name)}")

    def matching(model, email_column, name_column):
        clauses = []
        if email:
            clauses.append(sa.func.lower(email_column) == email)
        if name:
            clauses.append(_name_clause(name_column, name))
        rows = session.scalars(sa.select(model).where(sa.or_(*clauses)).order_by(model.id)).all()
        return [r for r in rows if (email and (getattr(r, email_column.key) or "").lower() == email)
                or (name and _same_name(getattr(r, name_column.key), name))]  # fmt: skip

    person.contacts = matching(Contact, Contact.email, Contact.full_name)
    person.users = matching(User, User.email, User.full_name)
    person.requests = matching(AccountRequest, AccountRequest.email, AccountRequest.full_name)
    person.events = _events(session, person)
    if email:
        person.reports = list(
            session.scalars(sa.select(CitizenReport).where(sa.func.lower(CitizenReport.email) == email))
        )
    identifiers = [Actor.email.in_(person.emails)] if person.emails else []
    if person.phones:
        identifiers.append(Actor.phone.in_(person.phones))
    if identifiers:
        for actor in session.scalars(sa.select(Actor).where(sa.or_(*identifiers)).order_by(Actor.name)):
            what = "courriel" if (actor.email or "").lower() in person.emails else "téléphone"
            person.organisations.append((actor, what))
    return person


def _events(session: so.Session, person: Person) -> list[AuditEvent]:
    """Audit events about the person's records, made under their account, or mentioning them."""
    clauses = []
    for entity, rows in (("Contact", person.contacts), ("User", person.users), ("AccountRequest", person.requests)):
        if rows:
            clauses.append(sa.and_(AuditEvent.entity_type == entity, AuditEvent.entity_id.in_([r.id for r in rows])))
    if person.users:
        clauses.append(AuditEvent.user_id.in_([u.id for u in person.users]))
    text = sa.cast(AuditEvent.changes, sa.Text)
    for value in person.emails | person.names | person.phones:
        clauses.append(AuditEvent.user_label == value)
        clauses.append(AuditEvent.entity_label == value)
        # Values are stored as JSON text: non-ASCII letters as \\u escapes, so search both spellings.
        for spelling in {value, json.dumps(value)[1:-1]}:
            clauses.append(text.ilike(_like(spelling), escape="\\"))
    if not clauses:
        return []
    query = sa.select(AuditEvent).where(sa.or_(*clauses)).order_by(AuditEvent.created_at, AuditEvent.id)
    return [e for e in session.scalars(query) if _concerns(e, person)]


def _own(event: AuditEvent, person: Person) -> bool:
    """The event is about one of the person's own records."""
    ids = {"Contact": person.contacts, "User": person.users, "AccountRequest": person.requests}
    return event.entity_id in {r.id for r in ids.get(event.entity_type, ())}


def _concerns(event: AuditEvent, person: Person) -> bool:
    if _own(event, person) or any(event.user_id == u.id for u in person.users):
        return True
    if (event.user_label or "").lower() in person.emails or event.entity_label in person.names:
        return True
    return _scrub(event.changes, person) != event.changes


def _scrub(value: Any, person: Person, mark: str = ERASED_MARK) -> Any:
    """``value`` with every mention of the person (name, e-mail, phone) replaced by ``mark``."""
    if isinstance(value, dict):
        return {k: _scrub(v, person, mark) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, person, mark) for v in value]
    if not isinstance(value, str):
        return value
    if any(_same_name(value, name) for name in person.names):
        return mark
    for needle in sorted(person.emails | person.names | person.phones, key=len, reverse=True):
        value = re.sub(re.escape(needle), mark, value, flags=re.IGNORECASE)
    return value


def export_person(person: Person) -> dict:
    """Everything held about the person, as JSON-ready data (never password hashes or session tokens)."""

    def when(value):
        return value.isoformat(timespec="seconds") if value else None

    return {
        "reference": person.reference,
        "generated_at": when(utcnow()),
        "search": {"email": person.email, "name": person.name},
        "controller": current_app.config["ORGANISATION_NAME"],
        "dpo_contact": current_app.config["DPO_CONTACT"],
        "contacts": [
            {"organisation": c.actor.name, "full_name": c.full_name, "role": c.role, "email": c.email,
             "phone": c.phone, "shown_publicly": c.public, "consent_at": when(c.consent_at),
             "created_at": when(c.created_at), "updated_at": when(c.updated_at)}
            for c in person.contacts
        ],
        "user_accounts": [
            {"email": u.email, "full_name": u.full_name, "role": u.role.label,
             "organisation": u.actor.name if u.actor else None, "active": u.active, "created_at": when(u.created_at),
             "invited_at": when(u.invited_at), "password_changed_at": when(u.password_changed_at),
             "last_login_at": when(u.last_login_at)}
            for u in person.users
        ],
        "account_requests": [
            {"full_name": r.full_name, "email": r.email, "organisation": r.organisation, "siret": r.siret,
             "requested_role": r.requested_role.label, "message": r.message, "consent_at": when(r.consent_at),
             "status": r.status.label, "decided_at": when(r.decided_at), "decision_reason": r.decision_reason,
             "created_at": when(r.created_at)}
            for r in person.requests
        ],
        "audit_events": [
            {"id": e.id, "created_at": when(e.created_at), "by": e.user_label, "source": e.source,
             "action": e.action.label, "record_type": e.entity_type, "record": e.entity_label, "changes": e.changes}
            for e in person.events
        ],
        "error_reports": [
            {"record": r.record_label, "message": r.message, "email": r.email, "created_at": when(r.created_at),
             "handled_at": when(r.handled_at)}
            for r in person.reports
        ],
        "organisations_with_this_address_or_phone": [
            {"organisation": actor.name, "field": what} for actor, what in person.organisations
        ],
    }  # fmt: skip


def record_access_export(session: so.Session, person: Person, *, user) -> None:
    """Audit the export of a person's data under their pseudonym only. The caller commits."""
    record_event(
        session,
        action=AuditAction.EXPORT,
        source="admin",
        user=user,
        entity_type="Person",
        entity_label=f"Droit d'accès : données de la personne n° {person.reference}",
    )


def erase_person(session: so.Session, person: Person, *, user, source: str = "admin") -> dict[str, int]:
    """Erase the person: contacts and account requests deleted, account anonymised and deactivated, audit
    values scrubbed, one pseudonymous ERASE event. Returns what was done. Raises ValidationError (nothing done)
    for the last active admin. The caller commits."""
    for account in person.users:
        if account.active and account.role.value == "admin" and other_active_admins(session, account) == 0:
            raise ValidationError("Cette personne est la dernière administratrice active : nommez d'abord un autre "
                                  "administrateur.")  # fmt: skip
    pseudonym = person.pseudonym
    for event in person.events:
        if _own(event, person):
            personal = PERSONAL_FIELDS.get(event.entity_type, set())
            event.changes = {k: ([ERASED_MARK if x is not None else None for x in v] if k in personal else v)
                             for k, v in (event.changes or {}).items()}  # fmt: skip
            event.entity_label = pseudonym
        else:
            event.changes = _scrub(event.changes or {}, person)
            if event.entity_label in person.names:
                event.entity_label = pseudonym
        if (event.user_label or "").lower() in person.emails:
            event.user_label = pseudonym
    session.execute(sa.update(ImportBatch).where(sa.func.lower(ImportBatch.user_label).in_(person.emails))
                    .values(user_label=pseudonym))  # fmt: skip
    for contact in person.contacts:
        record_event(session, action=AuditAction.ERASE, source=source, user=user, entity_type="Contact",
                     entity_id=contact.id, entity_label=pseudonym, actor_id=contact.actor_id)  # fmt: skip
        session.delete(contact)
    for account_request in person.requests:
        session.delete(account_request)
    for citizen_report in person.reports:
        session.delete(citizen_report)
    for account in person.users:
        account.email = f"efface-{person.reference}-{account.id}@invalid"
        account.full_name = pseudonym
        account.password_hash = None
        account.active = False
        account.session_token = new_session_token()
    done = {"contacts": len(person.contacts), "user_accounts": len(person.users),
            "account_requests": len(person.requests), "audit_events": len(person.events)}  # fmt: skip
    summary = (
        f"{done['contacts']} contact(s) supprimé(s), {done['user_accounts']} compte(s) anonymisé(s) et "
        f"désactivé(s), {done['account_requests']} demande(s) d'accès supprimée(s), {done['audit_events']} "
        "entrée(s) du journal expurgée(s)"
    )
    record_event(
        session,
        action=AuditAction.ERASE,
        source=source,
        user=user,
        entity_type="Person",
        entity_label=pseudonym,
        changes={"erased": [None, summary]},
    )
    session.flush()
    return done

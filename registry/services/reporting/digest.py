"""The weekly « À renouveler » digest: partnerships ending and ESUS agréments expiring, e-mailed to the
officers who opted in, once per ISO week (a second run the same week sends nothing new)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import DigestDelivery, DigestSubscription, User
from registry.models.enums import Role
from registry.services.outputs.mail import queue_mail
from registry.services.reporting.renewals import esus_expiring, partnerships_ending

#: Who may receive the digest (it lists partnerships and amounts: staff of the city only).
RECIPIENT_ROLES = (Role.OFFICER, Role.ADMIN)


@dataclass
class DigestRun:
    week: str
    sent: list[str]
    already: int
    nothing_due: bool

    @property
    def summary(self) -> str:
        if self.nothing_due:
            return f"Semaine {self.week} : rien à renouveler, aucun rappel envoyé."
        return (
            f"Semaine {self.week} : {len(self.sent)} rappel(s) envoyé(s), {self.already} déjà envoyé(s) cette semaine."
        )


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def is_subscribed(session: so.Session, user: User) -> bool:
    return session.get(DigestSubscription, user.id) is not None


def set_subscription(session: so.Session, user: User, wanted: bool) -> None:
    """Opt in or out (the caller commits). Only officers and admins may opt in."""
    current = session.get(DigestSubscription, user.id)
    if wanted and current is None and user.role in RECIPIENT_ROLES:
        session.add(DigestSubscription(user_id=user.id))
    elif not wanted and current is not None:
        session.delete(current)
    session.flush()


def send_digests(session: so.Session, window_days: int, today: date | None = None) -> DigestRun:
    """Send this week's digest to every subscribed active officer not yet served this week (each message is
    recorded with its week and leaves when the caller commits: a failed run sends nothing and records nothing)."""
    today = today or date.today()
    week = week_of(today)
    ending = partnerships_ending(session, window_days, today=today)
    esus = esus_expiring(session, window_days, today=today)
    recipients = session.scalars(
        sa.select(User)
        .join(DigestSubscription, DigestSubscription.user_id == User.id)
        .where(User.active.is_(True), User.role.in_(RECIPIENT_ROLES))
        .order_by(User.id)
    ).all()
    if not ending.total and not esus.total:
        return DigestRun(week, [], 0, True)
    served = set(session.scalars(sa.select(DigestDelivery.user_id).where(DigestDelivery.week == week)).all())
    sent = []
    for user in recipients:
        if user.id in served:
            continue
        queue_mail(
            session,
            user.email,
            f"Registre ESS — à renouveler (semaine {week[-2:]})",
            "renewal_digest",
            user=user,
            ending=ending,
            esus=esus,
            window=window_days,
            today=today,
        )
        session.add(DigestDelivery(user_id=user.id, week=week))
        session.flush()
        sent.append(user.email)
    return DigestRun(week, sent, len(served & {u.id for u in recipients}), False)

"""The register and the geocoder applied to the registry: one actor's comparison or position (for a form), every
actor with a SIRET compared (closed establishments first), actors without coordinates geocoded in bulk. What the
services say is kept in ReferenceCheck; only positions scored at or above the threshold are written by the bulk
run (through the one audited write), the others wait for an officer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorStatus, ReferenceCheck
from registry.models.base import utcnow
from registry.services.connectors import geocoder, sirene
from registry.services.connectors.comparison import Comparison, compare, recorded_from_actor
from registry.services.connectors.http import JsonClient, ServiceUnavailable
from registry.services.connectors.quartiers import propose_quartier
from registry.services.records import editing
from registry.services.records.actors import clean_actor
from registry.services.records.errors import ValidationErrors

#: A bulk run stops after this many actors in a row the service could not answer for.
GIVE_UP_AFTER = 3
#: Bulk order: closed establishments first, then SIRETs the register does not know, then differences.
STATE_ORDER = {"closed": 0, "not_found": 1, "open": 2}


def _check_of(session: so.Session, actor: Actor) -> ReferenceCheck:
    check = session.get(ReferenceCheck, actor.id)
    if check is None:
        check = ReferenceCheck(actor_id=actor.id, sirene_differences="")
        session.add(check)
    return check


def record_comparison(session: so.Session, actor: Actor, comparison: Comparison | None) -> None:
    """Keep what the register said of ``actor`` (None: it has no establishment of that SIRET)."""
    check = _check_of(session, actor)
    check.sirene_checked_at = utcnow()
    check.sirene_state = comparison.state if comparison else "not_found"
    check.sirene_differences = "; ".join(r.label for r in comparison.differences) if comparison else ""
    check.sirene_closed_on = comparison.closed_on if comparison else None
    session.flush()


def compare_siret(session: so.Session, client: JsonClient, siret: str, recorded: Mapping[str, str], *,
                  partner: bool = False) -> Comparison | None:  # fmt: skip
    """The register's establishment of ``siret`` beside ``recorded`` (None when the register has none)."""
    found = sirene.find_establishment(client, siret)
    return compare(session, recorded, found, partner=partner) if found else None


@dataclass
class ActorComparison:
    """One line of the bulk comparison."""

    actor: Actor
    state: str  # open, closed, not_found, unavailable
    comparison: Comparison | None = None
    message: str = ""

    @property
    def differences(self) -> list:
        return self.comparison.differences if self.comparison else []


@dataclass
class RegisterReport:
    """Every actor with a SIRET beside the register, closed establishments first."""

    lines: list[ActorComparison] = field(default_factory=list)
    stopped: str = ""

    def count(self, state: str) -> int:
        return sum(1 for line in self.lines if line.state == state)

    @property
    def summary(self) -> str:
        differing = sum(1 for line in self.lines if line.state == "open" and line.differences)
        text = (
            f"{len(self.lines)} acteur(s) comparé(s) au répertoire Sirene : {self.count('closed')} établissement(s) "
            f"fermé(s), {self.count('not_found')} SIRET introuvable(s), {differing} fiche(s) avec des différences."
        )
        return text + (f" Comparaison interrompue : {self.stopped}" if self.stopped else "")  # fmt: skip


def actors_with_siret(session: so.Session, *, ids=None, limit: int | None = None, stale_first: bool = False):
    """Non-archived actors with a SIRET (those of ``ids``), by id or those checked longest ago (never first)."""
    query = sa.select(Actor).where(Actor.siret.is_not(None), Actor.status != ActorStatus.ARCHIVED)
    if ids is not None:
        query = query.where(Actor.id.in_(list(ids)))
    if stale_first:
        query = query.outerjoin(ReferenceCheck, ReferenceCheck.actor_id == Actor.id).order_by(
            ReferenceCheck.sirene_checked_at.is_not(None), ReferenceCheck.sirene_checked_at, Actor.id
        )
    else:
        query = query.order_by(Actor.id)
    return list(session.scalars(query.limit(limit)))


def compare_register(session: so.Session, client: JsonClient, *, ids=None, limit: int | None = None,
                     stale_first: bool = False, progress: Callable[[int], None] | None = None
                     ) -> RegisterReport:  # fmt: skip
    """Compare every non-archived actor with a SIRET (or those of ``ids``, at most ``limit``, the least recently
    checked first with ``stale_first``) with the register and keep the result."""
    report, failures = RegisterReport(), 0
    actors = actors_with_siret(session, ids=ids, limit=limit, stale_first=stale_first)
    for done, actor in enumerate(actors, start=1):
        try:
            found = sirene.find_establishment(client, actor.siret)
        except ServiceUnavailable as exc:
            failures += 1
            report.lines.append(ActorComparison(actor, "unavailable", message=str(exc)))
            if failures >= GIVE_UP_AFTER:
                report.stopped = str(exc)
                break
            continue
        failures = 0
        comparison = compare(session, recorded_from_actor(actor), found) if found else None
        record_comparison(session, actor, comparison)
        report.lines.append(ActorComparison(actor, comparison.state if comparison else "not_found", comparison))
        if progress:
            progress(done)
    report.lines.sort(key=lambda line: (STATE_ORDER.get(line.state, 3), not line.differences, line.actor.name))
    session.flush()
    return report


def last_comparisons(session: so.Session) -> list[tuple[Actor, ReferenceCheck | None]]:
    """Every non-archived actor with a SIRET and what the register last said of it: closed establishments first,
    then SIRETs it does not know, then differences, then the rest, never-checked ones last."""
    rows = session.execute(
        sa.select(Actor, ReferenceCheck)
        .outerjoin(ReferenceCheck, ReferenceCheck.actor_id == Actor.id)
        .where(Actor.siret.is_not(None), Actor.status != ActorStatus.ARCHIVED)
    ).all()

    def order(row):
        actor, check = row
        if check is None or check.sirene_state is None:
            return (4, actor.name)
        return (STATE_ORDER.get(check.sirene_state, 3), not check.sirene_differences, actor.name)

    return [(actor, check) for actor, check in sorted(rows, key=order)]


def closed_establishments(session: so.Session) -> list[tuple[Actor, ReferenceCheck]]:
    """Actors (not archived) whose establishment the register last said was closed, for the dashboard."""
    rows = session.execute(
        sa.select(Actor, ReferenceCheck)
        .join(ReferenceCheck, ReferenceCheck.actor_id == Actor.id)
        .where(ReferenceCheck.sirene_state == "closed", Actor.status != ActorStatus.ARCHIVED)
        .order_by(Actor.name)
    ).all()
    return [(actor, check) for actor, check in rows]


def positions_to_check(session: so.Session) -> list[tuple[Actor, ReferenceCheck]]:
    """Actors still without coordinates whose geocoded position scored too low to be written, for the dashboard."""
    rows = session.execute(
        sa.select(Actor, ReferenceCheck)
        .join(ReferenceCheck, ReferenceCheck.actor_id == Actor.id)
        .where(ReferenceCheck.geocode_status == "to_check", Actor.latitude.is_(None),
               Actor.status != ActorStatus.ARCHIVED)
        .order_by(Actor.name)
    ).all()  # fmt: skip
    return [(actor, check) for actor, check in rows]


# -- geocoding -------------------------------------------------------------------------------------------------
def position_proposal(session: so.Session, client: JsonClient, *, address, postcode, commune,
                      threshold: float) -> dict | None:  # fmt: skip
    """The geocoder's position for an address as the form shows it (None when it finds nothing): coordinates,
    score, understood address, whether the score is below ``threshold``, and a quartier proposal."""
    position = geocoder.geocode(client, address, postcode, commune)
    if position is None:
        return None
    quartier = propose_quartier(session, postcode=position.postcode or postcode, commune=position.city or commune,
                                oldcity=position.oldcity)  # fmt: skip
    return {
        "latitude": position.latitude,
        "longitude": position.longitude,
        "score": round(position.score, 2),
        "label": position.label,
        "kind": position.kind,
        "low": position.score < threshold,
        "quartier": {"id": quartier.id, "name": quartier.name} if quartier else None,
    }


@dataclass
class GeocodeReport:
    """What a bulk geocoding run did."""

    applied: list[Actor] = field(default_factory=list)
    to_check: list[tuple[Actor, float]] = field(default_factory=list)
    not_found: list[Actor] = field(default_factory=list)
    refused: list[tuple[Actor, str]] = field(default_factory=list)
    stopped: str = ""

    @property
    def summary(self) -> str:
        text = (
            f"{len(self.applied)} position(s) enregistrée(s), {len(self.to_check)} à vérifier par un agent "
            f"(score trop faible), {len(self.not_found)} adresse(s) introuvable(s)"
        )
        if self.refused:
            text += f", {len(self.refused)} refusée(s)"
        return text + "." + (f" Géocodage interrompu : {self.stopped}" if self.stopped else "")  # fmt: skip


def actors_without_position(session: so.Session, ids=None, limit: int | None = None) -> list[Actor]:
    """Non-archived actors with an address (or a postcode) but no coordinates."""
    query = sa.select(Actor).where(
        Actor.latitude.is_(None), Actor.status != ActorStatus.ARCHIVED,
        sa.or_(Actor.address.is_not(None), Actor.postcode.is_not(None)),
    ).order_by(Actor.id)  # fmt: skip
    if ids is not None:
        query = query.where(Actor.id.in_(list(ids)))
    return list(session.scalars(query.limit(limit)))


def geocode_missing(session: so.Session, client: JsonClient, *, threshold: float, user=None, source: str = "cli",
                    ids=None, limit: int | None = None) -> GeocodeReport:  # fmt: skip
    """Geocode actors without coordinates (at most ``limit``): a score at or above ``threshold`` is written
    through the one audited write; a lower one is kept as a proposal for an officer to check."""
    report, failures = GeocodeReport(), 0
    for actor in actors_without_position(session, ids, limit):
        check = _check_of(session, actor)
        try:
            position = geocoder.geocode(client, actor.address, actor.postcode, actor.commune)
        except ServiceUnavailable as exc:
            failures += 1
            if failures >= GIVE_UP_AFTER:
                report.stopped = str(exc)
                break
            continue
        failures = 0
        check.geocode_checked_at = utcnow()
        if position is None:
            check.geocode_status, check.geocode_score = "not_found", None
            report.not_found.append(actor)
            continue
        check.geocode_score, check.geocode_label = position.score, position.label[:300]
        check.geocode_latitude, check.geocode_longitude = position.latitude, position.longitude
        if position.score < threshold:
            check.geocode_status = "to_check"
            report.to_check.append((actor, position.score))
            continue
        try:
            _write_position(session, actor, position, user=user, source=source)
        except (ValidationErrors, editing.Conflict) as exc:
            check.geocode_status = "to_check"
            message = "; ".join(exc.errors.values()) if isinstance(exc, ValidationErrors) else "modifiée entre-temps"
            report.refused.append((actor, message))
            continue
        check.geocode_status = "applied"
        report.applied.append(actor)
    session.flush()
    return report


def _write_position(session, actor: Actor, position: geocoder.Position, *, user, source: str) -> None:
    def apply(record: Actor) -> None:
        record.latitude, record.longitude = position.latitude, position.longitude

    editing.save(session, actor, apply=apply, opened=editing.AS_IS, user=user, source=source, cleaner=clean_actor)

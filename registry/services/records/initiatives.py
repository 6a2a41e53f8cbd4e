"""Rules for initiatives, applied by every writer."""

from __future__ import annotations

from sqlalchemy import orm as so

from registry.models import Initiative
from registry.services.records.checks import check_date_order, check_range, clean_field, require_text, without_autoflush
from registry.services.records.errors import Collector
from registry.services.records.slugs import clean_slug
from registry.services.reference import normalize as n


@without_autoflush
def clean_initiative(session: so.Session, initiative: Initiative, *, check_unique: bool = True) -> None:
    """Normalise an initiative in place and check it; raises ValidationErrors.

    ``check_unique=False`` skips the uniqueness queries: the workbook importer checks them in batch.
    """
    c = Collector()
    clean_field(c, initiative, "title", require_text, 200, "Le titre")
    clean_field(c, initiative, "summary", n.clean_text, 500)
    initiative.description = n.clean_text(initiative.description)
    if initiative.lead_actor is None and initiative.lead_actor_id is None:
        c.add("lead_actor", "Le porteur est obligatoire.")
    check_date_order(c, initiative.start_date, initiative.end_date, "end_date")
    for field, what in (("budget", "Le budget"), ("city_funding", "Le financement de la Ville")):
        clean_field(c, initiative, field, n.parse_decimal)
        check_range(c, initiative, field, 0, what=what)
    for field, what in (
        ("jobs_created", "Le nombre d'emplois créés"),
        ("people_trained", "Le nombre de personnes formées"),
        ("people_reached", "Le nombre de personnes touchées"),
    ):
        check_range(c, initiative, field, 0, what=what)
    if (
        initiative.budget is not None
        and initiative.city_funding is not None
        and "budget" not in c.errors
        and "city_funding" not in c.errors
        and initiative.city_funding > initiative.budget
    ):
        c.add("city_funding", "Le financement de la Ville ne peut pas dépasser le budget total.")
    lead_id = initiative.lead_actor.id if initiative.lead_actor is not None else initiative.lead_actor_id
    if lead_id is not None and any((p.actor.id if p.actor else p.actor_id) == lead_id for p in initiative.partners):
        c.add("partners", "Le porteur ne peut pas être aussi partenaire de sa propre initiative.")
    clean_slug(c, session, initiative, "title", "de l'initiative", check_unique=check_unique)
    c.raise_if_any()

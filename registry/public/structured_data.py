"""What search engines and link previews read on a public page: schema.org JSON-LD of an actor (Organization, or
NGO for an association) and of an initiative (Project).

The coordinates are those of the actor's premises: its ``location``, a Place with ``geo`` (schema.org defines
``geo`` on places, not on organisations). Only what the page itself shows the public: never a contact person,
and the organisation's own e-mail and phone only when it chose to show them (``Actor.show_contact_details``).
Addresses are built on BASE_URL, never on the request's Host. Templates write the result with Jinja's
``tojson`` (``<``, ``>``, ``&`` and ``'`` escaped), so a description holding ``</script>`` cannot end the
script element.
"""

from __future__ import annotations

from registry.models import Actor, Initiative, LegalFamily
from registry.public.fields import public_url

CONTEXT = "https://schema.org"


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def actor_id(actor: Actor) -> str:
    """The node identifier of an actor, shared by its page and the initiatives that name it."""
    return public_url("public.actor", slug=actor.slug) + "#organisation"


def postal_address(actor: Actor) -> dict | None:
    """The actor's address as a schema.org PostalAddress (None when it has none)."""
    if not (actor.address or actor.postcode or actor.commune):
        return None
    return _drop_empty(
        {
            "@type": "PostalAddress",
            "streetAddress": actor.address,
            "postalCode": actor.postcode,
            "addressLocality": actor.commune,
            "addressCountry": "FR",
        }
    )


def _premises(actor: Actor) -> dict | None:
    """Where the actor is: a Place with its address and coordinates (GeoCoordinates)."""
    located = actor.latitude is not None and actor.longitude is not None
    address = postal_address(actor)
    if not (located or address):
        return None
    geo = {"@type": "GeoCoordinates", "latitude": actor.latitude, "longitude": actor.longitude} if located else None
    return _drop_empty({"@type": "Place", "name": actor.name, "address": address, "geo": geo})


def identifiers(actor: Actor) -> list[dict]:
    """SIRET and RNA as schema.org PropertyValue identifiers."""
    found = [("SIRET", actor.siret), ("RNA", actor.rna)]
    return [{"@type": "PropertyValue", "propertyID": kind, "value": value} for kind, value in found if value]


def actor_json_ld(actor: Actor) -> dict:
    """The JSON-LD of a public actor's page."""
    url = public_url("public.actor", slug=actor.slug)
    public_details = actor.show_contact_details
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "NGO" if actor.legal_form.family == LegalFamily.ASSOCIATION else "Organization",
            "@id": actor_id(actor),
            "name": actor.name,
            "description": actor.description or f"{actor.legal_form.label}, acteur de l'économie sociale et solidaire.",
            "url": url,
            "mainEntityOfPage": url,
            "sameAs": [actor.website] if actor.website else None,
            "address": postal_address(actor),
            # schema.org gives coordinates to places, not organisations: the actor's premises are its location
            "location": _premises(actor),
            "identifier": identifiers(actor),
            "email": actor.email if public_details else None,
            "telephone": actor.phone if public_details else None,
            "foundingDate": str(actor.founding_year) if actor.founding_year else None,
            "numberOfEmployees": (
                {"@type": "QuantitativeValue", "value": actor.employees} if actor.employees is not None else None
            ),
            "knowsAbout": [axis.label for axis in actor.axes] + [sector.label for sector in actor.sectors],
            "areaServed": _place(actor.quartier.name) if actor.quartier else None,
        }
    )


def _place(name: str) -> dict:
    return {"@type": "Place", "name": name}


def _organisation_ref(actor: Actor) -> dict:
    kind = "NGO" if actor.legal_form.family == LegalFamily.ASSOCIATION else "Organization"
    return {
        "@type": kind,
        "@id": actor_id(actor),
        "name": actor.name,
        "url": public_url("public.actor", slug=actor.slug),
    }


def initiative_json_ld(initiative: Initiative) -> dict:
    """The JSON-LD of a public initiative's page (its partners are the public ones only: ``records``)."""
    url = public_url("public.initiative", slug=initiative.slug)
    if initiative.city_wide:
        area = [_place("Lille")]
    else:
        area = [_place(q.name) for q in initiative.quartiers]
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "Project",
            "@id": url + "#initiative",
            "name": initiative.title,
            "description": initiative.summary
            or initiative.description
            or f"Initiative portée par {initiative.lead_actor.name}.",
            "url": url,
            "mainEntityOfPage": url,
            "founder": _organisation_ref(initiative.lead_actor),
            "member": [_organisation_ref(p.actor) for p in initiative.partners],
            "areaServed": area,
            "foundingDate": initiative.start_date.isoformat() if initiative.start_date else None,
            "dissolutionDate": initiative.end_date.isoformat() if initiative.end_date else None,
            "knowsAbout": [axis.label for axis in initiative.axes] + [sector.label for sector in initiative.sectors],
        }
    )

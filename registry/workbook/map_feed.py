"""The actors as the ESS maps read them: the element format GoGoCarto imports (Carteco, run by ESS France and the
regional chambers, and most French ESS maps run on it), in JSON and in CSV.

GoGoCarto's importer reads, for each element: ``id``, ``name`` (or ``title``), the position as ``geo.latitude`` /
``geo.longitude`` (or flat ``latitude`` / ``longitude``), ``address`` as a schema.org-like object
(``streetAddress``, ``postalCode``, ``addressLocality``, ``addressCountry``), ``categories`` (names of its
taxonomy's options; comma-separated in a CSV), and keeps every other field (``description``, ``email``,
``telephone``, ``website``, ``siret``…) as the element's data. A JSON source may wrap the list in ``data``, as
GoGoCarto's own API answers. Here:

- ``id`` is the actor's Réf. (its slug, stable), ``url`` the address of its public page;
- ``categories`` are the registry's axes, then its sectors, by label; ``categoriesFull`` says which is which
  (``axe:<code>`` / ``secteur:<code>``), for a map that keeps the two apart;
- ``email`` and ``telephone`` are the organisation's own, only when it chose to show them; contact persons are
  never part of the feed;
- ``createdAt`` / ``updatedAt`` (ISO 8601, UTC) let an aggregator refresh incrementally (``?depuis=``).

``map_import`` reads this format (and a GoGoCarto / Carteco export) back as actors.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from registry.services.outputs.spreadsheet import neutralise_formula

#: The categories groups, as ``categoriesFull`` names them.
AXIS_GROUP = "Axes du plan ESS de la Ville de Lille"
SECTOR_GROUP = "Secteurs d'activité"

#: The columns of the CSV feed, in order (GoGoCarto's flat names).
CSV_FIELDS = (
    "id",
    "name",
    "latitude",
    "longitude",
    "streetAddress",
    "postalCode",
    "addressLocality",
    "addressCountry",
    "categories",
    "description",
    "email",
    "telephone",
    "website",
    "legalForm",
    "siret",
    "rna",
    "quartier",
    "url",
    "source",
    "createdAt",
    "updatedAt",
)


def timestamp(value) -> str | None:
    """A stored UTC datetime as ISO 8601 with a Z."""
    return value.replace(microsecond=0).isoformat() + "Z" if value is not None else None


def element(actor, page_url: str, source: str) -> dict:
    """One public actor as a GoGoCarto element (empty values left out)."""
    shown = actor.show_contact_details
    located = actor.latitude is not None and actor.longitude is not None
    address = {
        "streetAddress": actor.address,
        "postalCode": actor.postcode,
        "addressLocality": actor.commune,
        "addressCountry": "FR" if (actor.address or actor.postcode or actor.commune) else None,
    }
    full = [{"id": f"axe:{a.code}", "name": a.label, "group": AXIS_GROUP} for a in actor.axes]
    full += [{"id": f"secteur:{s.code}", "name": s.label, "group": SECTOR_GROUP} for s in actor.sectors]
    data = {
        "id": actor.slug,
        "name": actor.name,
        "geo": {"latitude": actor.latitude, "longitude": actor.longitude} if located else None,
        "address": {k: v for k, v in address.items() if v} or None,
        "categories": [c["name"] for c in full],
        "categoriesFull": full,
        "description": actor.description,
        "email": actor.email if shown else None,
        "telephone": actor.phone if shown else None,
        "website": actor.website,
        "legalForm": actor.legal_form.label,
        "siret": actor.siret,
        "rna": actor.rna,
        "quartier": actor.quartier.name if actor.quartier else None,
        "url": page_url,
        "source": source,
        "createdAt": timestamp(actor.created_at),
        "updatedAt": timestamp(actor.updated_at),
    }
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def feed(actors: Iterable, page_url: Callable[[object], str], *, source: str, licence: dict, since=None) -> dict:
    """The JSON feed: GoGoCarto's ``data`` list, with the licence and the source."""
    return {
        "source": source,
        "licence": licence,
        "ontology": "gogofull",
        "updatedSince": since.isoformat() if since else None,
        "data": [element(actor, page_url(actor), source) for actor in actors],
    }


def flat(item: dict) -> dict:
    """An element as a CSV row: position and address flattened, categories joined by commas (GoGoCarto's CSV
    convention; no label of the registry holds a comma)."""
    row = {key: value for key, value in item.items() if key in CSV_FIELDS}
    row.update(item.get("geo") or {})
    row.update(item.get("address") or {})
    row["categories"] = ",".join(item.get("categories", []))
    return row


def write_csv(items: Iterable[dict]) -> bytes:
    """The CSV feed (UTF-8, comma, one header row of GoGoCarto's flat names); text that a spreadsheet would run
    as a formula is prefixed with an apostrophe, as in every CSV of the registry (``map_import`` removes it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for item in items:
        writer.writerow({k: neutralise_formula(v) if isinstance(v, str) else v for k, v in flat(item).items()})
    return out.getvalue().encode("utf-8")

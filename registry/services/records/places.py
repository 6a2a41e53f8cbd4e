"""Whether a place is plausible for the registry, which covers Lille, Hellemmes and Lomme: a postcode or a position
outside them is a warning the officer confirms (a partner may sit just outside), never a silent accept nor a hard
refusal."""

from __future__ import annotations

import sqlalchemy as sa

from registry.services.records.errors import ValidationError
from registry.services.reference.normalize import normalize_postcode

#: The commune of each postcode of the territory: Lille (59000, 59800, 59777 Euralille), Lomme (59160) and
#: Hellemmes (59260). CEDEX codes (59033 LILLE Cedex…) name no commune here: it stays as typed.
POSTCODE_COMMUNES = {"59000": "Lille", "59800": "Lille", "59777": "Lille", "59160": "Lomme", "59260": "Hellemmes"}
TERRITORY_POSTCODES = frozenset(POSTCODE_COMMUNES)
#: A box around the three communes (decimal degrees), a little wider than their limits.
LATITUDES = (50.58, 50.68)
LONGITUDES = (2.94, 3.14)
TERRITORY = "Lille, Hellemmes et Lomme"


def place_warnings(postcode, latitude, longitude) -> dict[str, str]:
    """{field: French warning} for a postcode or a position outside the territory (nothing for what cannot be
    read: the record's own checks say so)."""
    warnings = {}
    try:
        code = normalize_postcode(postcode)
    except ValidationError:
        code = None
    if code is not None and code not in TERRITORY_POSTCODES:
        warnings["postcode"] = f"Le code postal {code} est hors de {TERRITORY}."
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        inside = LATITUDES[0] <= latitude <= LATITUDES[1] and LONGITUDES[0] <= longitude <= LONGITUDES[1]
        if not inside:
            warnings["latitude"] = f"La position ({latitude}, {longitude}) est hors de {TERRITORY}."
    return warnings


def commune_of(postcode) -> str | None:
    """The commune of a territory postcode (« 59 160 » → Lomme); None for any other or unreadable code."""
    try:
        return POSTCODE_COMMUNES.get(normalize_postcode(postcode) or "")
    except ValidationError:
        return None


def fill_commune(record) -> None:
    """An empty commune is filled from the postcode typed now (a record created, or its postcode or commune
    changed by this write): a save that touches neither writes nothing."""
    if record.commune or not record.postcode:
        return
    state = sa.inspect(record)
    touched = state.transient or state.pending
    touched = touched or any(state.attrs[name].history.has_changes() for name in ("postcode", "commune"))
    commune = commune_of(record.postcode) if touched else None
    if commune is not None:
        record.commune = commune

"""Whether a place is plausible for the registry, which covers Lille, Hellemmes and Lomme: a postcode or a position
outside them is a warning the officer confirms (a partner may sit just outside), never a silent accept nor a hard
refusal."""

from __future__ import annotations

from registry.services.records.errors import ValidationError
from registry.services.reference.normalize import normalize_postcode

#: The postcodes of Lille (59000, 59800, 59777 Euralille), Lomme (59160) and Hellemmes (59260).
TERRITORY_POSTCODES = frozenset({"59000", "59777", "59800", "59160", "59260"})
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

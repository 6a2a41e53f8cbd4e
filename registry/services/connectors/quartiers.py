"""The quartier an address is in, as far as the registry can tell without the quartiers' outlines: it ships none
(no faithful open outline of Lille's quartiers was at hand), so the proposal comes from the postcode, the commune
and the geocoder's former commune (Hellemmes, Lomme), and from a quartier's name or alias written in the address's
commune line. A proposal only: the person picks the quartier."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Quartier
from registry.services.reference.matching import match_key

#: Postcodes that name one quartier by themselves (the associated communes).
POSTCODE_QUARTIERS = {"59260": "hellemmes", "59160": "lomme"}


def propose_quartier(session: so.Session, *, postcode: str | None, commune: str | None,
                     oldcity: str | None = None) -> Quartier | None:  # fmt: skip
    """The quartier the postcode, the commune or the geocoder's former commune point to, or None (Lille's own
    postcodes cover several quartiers)."""
    quartiers = list(session.scalars(sa.select(Quartier)))
    by_code = {q.code: q for q in quartiers}
    if postcode in POSTCODE_QUARTIERS:
        return by_code.get(POSTCODE_QUARTIERS[postcode])
    names = {}
    for quartier in quartiers:
        for name in (quartier.name, quartier.code, *quartier.alias_list):
            names.setdefault(match_key(name), quartier)
    for text in (oldcity, commune):
        key = match_key(text)
        if key and key != "lille" and key in names:
            return names[key]
    return None

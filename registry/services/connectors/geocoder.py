"""Addresses to coordinates through the Géoplateforme geocoder of the Base Adresse Nationale
(data.geopf.fr/geocodage/search, GeoCodeJSON answers, 50 requests per second at most)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.services.connectors.http import JsonClient

NAME = "Le géocodeur de la Base Adresse Nationale (Géoplateforme)"


@dataclass(frozen=True)
class Position:
    """The geocoder's best answer: where, how sure (score 0–1) and what address it understood."""

    latitude: float
    longitude: float
    score: float
    label: str
    kind: str | None
    postcode: str | None
    city: str | None
    citycode: str | None
    oldcity: str | None


def query_text(address: str | None, postcode: str | None, commune: str | None) -> str:
    """The one line sent to the geocoder."""
    return " ".join(part.strip() for part in (address, postcode, commune) if part and part.strip())


def parse_feature(feature: dict) -> Position | None:
    """A GeoCodeJSON feature as a Position (None when it has no point)."""
    geometry = feature.get("geometry") or {}
    props = feature.get("properties") or {}
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") != "Point" or len(coordinates) < 2:
        return None
    try:
        longitude, latitude = float(coordinates[0]), float(coordinates[1])
        score = float(props.get("score") or 0)
    except (TypeError, ValueError):
        return None
    return Position(
        latitude=round(latitude, 6),
        longitude=round(longitude, 6),
        score=score,
        label=props.get("label") or "",
        kind=props.get("type"),
        postcode=props.get("postcode"),
        city=props.get("city"),
        citycode=props.get("citycode"),
        oldcity=props.get("oldcity"),
    )


def geocode(client: JsonClient, address: str | None, postcode: str | None, commune: str | None) -> Position | None:
    """The best position for an address, or None when the geocoder finds nothing. ServiceUnavailable when it
    cannot be reached."""
    text = query_text(address, postcode, commune)
    if len(text) < 3:
        return None
    data = client.get_json("/search", {"q": text, "index": "address", "limit": 1})
    for feature in data.get("features") or []:
        position = parse_feature(feature)
        if position is not None:
            return position
    return None

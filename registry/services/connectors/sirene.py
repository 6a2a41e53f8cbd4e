"""The company register through the « API Recherche d'entreprises » (recherche-entreprises.api.gouv.fr, no key):
``/search?q=<SIRET>`` finds the legal unit, its head office (``siege``) and, in ``matching_etablissements``, the
establishment of that SIRET (which need not be the head office)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from registry.services.connectors.http import JsonClient

NAME = "Le répertoire Sirene (API Recherche d'entreprises)"
#: Words kept in lower case when a register address in capitals is made readable.
_SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "et", "à", "au", "aux", "sur", "sous", "en"}
_STREET_TYPES = {"rue", "avenue", "boulevard", "place", "chemin", "impasse", "allée", "quai", "square", "cours",
                 "passage", "route", "sentier", "parvis", "cité", "résidence", "voie", "mail", "esplanade"}  # fmt: skip
#: Abbreviated street types of the Sirene register, spelt out as people write them.
_ABBREVIATED = {"r": "rue", "av": "avenue", "ave": "avenue", "bd": "boulevard", "pl": "place", "che": "chemin",
                "chem": "chemin", "imp": "impasse", "all": "allée", "qu": "quai", "sq": "square", "crs": "cours",
                "pas": "passage", "rte": "route", "res": "résidence", "espl": "esplanade"}  # fmt: skip


@dataclass(frozen=True)
class Establishment:
    """What the register says of one establishment (SIRET) and its legal unit."""

    siret: str
    legal_name: str | None
    address: str | None
    postcode: str | None
    commune: str | None
    citycode: str | None
    ape_code: str | None
    nature_juridique: str | None
    creation_year: int | None
    is_ess: bool | None
    is_siae: bool | None
    siae_type: str | None
    rna: str | None
    is_open: bool
    closed_on: date | None
    unit_closed: bool
    latitude: float | None
    longitude: float | None


def unmasked(value):
    """``value`` with the register's masks of non-public data (« [NON-DIFFUSIBLE] », « [ND] ») turned into None,
    inside dicts and lists too: a masked value is no value to propose."""
    if isinstance(value, dict):
        return {key: unmasked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unmasked(item) for item in value]
    if isinstance(value, str) and ("NON-DIFFUSIBLE" in value.upper() or value.strip().upper() == "[ND]"):
        return None
    return value


def readable(text: str | None) -> str | None:
    """'12 RUE PIERRE LEGRAND' → '12 rue Pierre Legrand'; text already in mixed case is left as it is."""
    if not text or text != text.upper():
        return text
    words = []
    for index, word in enumerate(text.lower().split()):
        word = _ABBREVIATED.get(word, word) if index < 3 else word
        if word in _SMALL_WORDS or word in _STREET_TYPES or any(ch.isdigit() for ch in word):
            words.append(word)
        else:
            words.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(words)


def _street(place: dict) -> str | None:
    """The street part of an establishment's address: the detailed fields when the answer has them (the head
    office), else its one-line ``adresse`` without the postcode and commune at its end."""
    parts = [place.get(k) for k in ("numero_voie", "indice_repetition", "type_voie", "libelle_voie")]
    if place.get("libelle_voie"):
        return " ".join(str(p) for p in parts if p) or None
    line = (place.get("adresse") or "").strip()
    postcode = place.get("code_postal")
    if postcode and postcode in line:
        line = line[: line.index(postcode)].strip()
    return line or None


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _year(value) -> int | None:
    match = re.match(r"^(\d{4})-\d{2}-\d{2}", value or "")
    return int(match[1]) if match else None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_establishment(result: dict, siret: str) -> Establishment | None:
    """The establishment ``siret`` in one result of ``/search`` (None when the result does not hold it)."""
    result = unmasked(result)
    siege = result.get("siege") or {}
    matching = [e for e in result.get("matching_etablissements") or [] if e.get("siret") == siret]
    place = matching[0] if matching else (siege if siege.get("siret") == siret else None)
    if place is None:
        return None
    if siege.get("siret") == siret:
        place = {**place, **siege}  # the head office has the detailed address fields
    complements = result.get("complements") or {}
    return Establishment(
        siret=siret,
        legal_name=result.get("nom_raison_sociale") or result.get("nom_complet"),
        address=readable(_street(place)),
        postcode=place.get("code_postal"),
        commune=readable(place.get("libelle_commune")),
        citycode=place.get("commune"),
        ape_code=place.get("activite_principale") or result.get("activite_principale"),
        nature_juridique=result.get("nature_juridique"),
        creation_year=_year(result.get("date_creation")),
        is_ess=complements.get("est_ess"),
        is_siae=complements.get("est_siae"),
        siae_type=complements.get("type_siae"),
        rna=complements.get("identifiant_association"),
        is_open=place.get("etat_administratif", "A") == "A",
        closed_on=_date(place.get("date_fermeture")),
        unit_closed=result.get("etat_administratif") == "C",
        latitude=_float(place.get("latitude")),
        longitude=_float(place.get("longitude")),
    )


def find_establishment(client: JsonClient, siret: str) -> Establishment | None:
    """The register's establishment of ``siret`` (14 digits, already checked), None when the register has none
    (unknown, or not public). ServiceUnavailable when the register cannot be reached."""
    data = client.get_json("/search", {"q": siret, "page": 1, "per_page": 1})
    for result in data.get("results") or []:
        found = parse_establishment(result, siret)
        if found is not None:
            return found
    return None

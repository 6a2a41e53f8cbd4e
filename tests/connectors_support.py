"""Answers in the documented formats of the two public services, served by a real HTTP server on loopback
(pytest-httpserver), and the fixture that points the test application at it.

- « API Recherche d'entreprises » ``GET /search?q=<SIRET>``: ``{"results": [...], "total_results", "page",
  "per_page", "total_pages"}``; each result has ``siren``, ``nom_complet``, ``nom_raison_sociale``,
  ``nature_juridique``, ``activite_principale``, ``date_creation``, ``etat_administratif`` (A/C), ``siege``
  (detailed address), ``matching_etablissements`` (only the searched SIRET, one-line ``adresse``) and
  ``complements`` (``est_ess``, ``est_siae``, ``type_siae``, ``identifiant_association``); an establishment's
  ``etat_administratif`` is A (actif) or F (fermé) with ``date_fermeture``. No match: ``results`` is empty.
  Over the limit: 429 with ``Retry-After``.
- Géoplateforme ``GET /search?q=…&index=address`` (GeoCodeJSON): a FeatureCollection whose features have a Point
  ``geometry.coordinates`` [lon, lat] and ``properties`` ``label``, ``score``, ``type``, ``postcode``, ``city``,
  ``citycode``, ``oldcity``…; 429 (HTML) over 50 requests per second.
"""

from __future__ import annotations

import copy

SIRET = "44306184100047"  # a SIRET that passes the Luhn check; not the head office's
HEAD_OFFICE = "44306184100013"


def sirene_result(siret: str = SIRET, *, closed: bool = False, head_office: str = HEAD_OFFICE, ess: bool = True,
                  siae: str | None = "ACI", nature: str = "9220") -> dict:  # fmt: skip
    """One result of /search for ``siret`` (an establishment other than the head office)."""
    establishment = {
        "activite_principale": "88.99B",
        "adresse": "12 RUE PIERRE LEGRAND 59800 LILLE",
        "code_postal": "59800",
        "commune": "59350",
        "date_creation": "2004-09-01",
        "date_fermeture": "2024-06-30" if closed else None,
        "est_siege": siret == head_office,
        "etat_administratif": "F" if closed else "A",
        "latitude": "50.6319",
        "libelle_commune": "LILLE",
        "longitude": "3.0877",
        "nom_commercial": None,
        "siret": siret,
        "statut_diffusion_etablissement": "O",
    }
    return {
        "siren": siret[:9],
        "nom_complet": "REGIE DE QUARTIER DE FIVES (RQF)",
        "nom_raison_sociale": "REGIE DE QUARTIER DE FIVES",
        "sigle": "RQF",
        "nombre_etablissements": 2,
        "nombre_etablissements_ouverts": 1 if closed else 2,
        "siege": {
            "activite_principale": "88.99B",
            "adresse": "5 RUE DU LONG POT 59800 LILLE",
            "code_postal": "59800",
            "commune": "59350",
            "complement_adresse": None,
            "date_creation": "1998-03-02",
            "est_siege": True,
            "etat_administratif": "A",
            "indice_repetition": None,
            "latitude": "50.6301",
            "libelle_commune": "LILLE",
            "libelle_voie": "DU LONG POT",
            "longitude": "3.0890",
            "numero_voie": "5",
            "siret": head_office,
            "type_voie": "RUE",
        },
        "activite_principale": "88.99B",
        "categorie_entreprise": "PME",
        "date_creation": "1998-03-02",
        "etat_administratif": "A",
        "nature_juridique": nature,
        "section_activite_principale": "Q",
        "tranche_effectif_salarie": "21",
        "statut_diffusion": "O",
        "matching_etablissements": [establishment] if siret != head_office else [],
        "complements": {
            "est_association": nature.startswith("92"),
            "est_ess": ess,
            "est_siae": siae is not None,
            "type_siae": siae,
            "identifiant_association": "W595012345",
            "est_entrepreneur_individuel": False,
        },
    }


def sirene_answer(*results) -> dict:
    """The /search payload holding ``results``."""
    return {"results": list(results), "total_results": len(results), "page": 1, "per_page": 1,
            "total_pages": 1 if results else 0}  # fmt: skip


def feature(*, score: float = 0.96, label: str = "12 Rue Pierre Legrand 59800 Lille", lon: float = 3.087654,
            lat: float = 50.631912, kind: str = "housenumber", postcode: str = "59800", city: str = "Lille",
            oldcity: str | None = None) -> dict:  # fmt: skip
    """One GeoCodeJSON feature of the Géoplateforme's address index."""
    properties = {
        "label": label, "score": score, "housenumber": "12", "id": "59350_6690_00012", "banId": "b1c2-0000",
        "name": "12 Rue Pierre Legrand", "postcode": postcode, "citycode": "59350", "x": 706000.1, "y": 7059000.2,
        "city": city, "context": "59, Nord, Hauts-de-France", "type": kind, "importance": 0.71,
        "street": "Rue Pierre Legrand", "_type": "address",
    }  # fmt: skip
    if oldcity:
        properties.update(oldcity=oldcity, oldcitycode="59298")
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def geocode_answer(*features) -> dict:
    """The GeoCodeJSON FeatureCollection holding ``features``."""
    return {"type": "FeatureCollection", "features": [copy.deepcopy(f) for f in features]}


def pointed_at(app, httpserver):
    """(Generator of the ``services`` fixture of conftest.py) The test application's two clients pointed at a
    loopback HTTP server (the ``httpserver`` of pytest-httpserver): quick timeouts and backoff, no cache left over
    from another test."""
    saved = {k: app.config[k] for k in ("SIRENE_API_URL", "GEOCODER_URL", "CONNECTOR_TIMEOUT", "CONNECTOR_BACKOFF")}
    app.config.update(
        SIRENE_API_URL=httpserver.url_for("/sirene"),
        GEOCODER_URL=httpserver.url_for("/geocodage"),
        CONNECTOR_TIMEOUT=0.4,
        CONNECTOR_BACKOFF=0.01,
    )
    app.extensions.pop("registry_connectors", None)
    yield httpserver
    app.config.update(saved)
    app.extensions.pop("registry_connectors", None)

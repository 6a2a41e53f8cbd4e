"""What the registry records beside what the register says, field by field: the one comparison shared by the
back-office form, the partner profile, the bulk comparison and the CLI. Nothing here changes a record: a person
applies each register value, or not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, LegalForm, SiaeType
from registry.services.connectors.sirene import Establishment
from registry.services.records.errors import ValidationError
from registry.services.reference.normalize import fold, format_date, normalize_ape

#: The compared fields, in the order shown: (field, French label).
FIELDS = (
    ("name", "Nom"),
    ("address", "Adresse"),
    ("postcode", "Code postal"),
    ("commune", "Commune"),
    ("ape_code", "Code APE"),
    ("legal_form", "Forme juridique"),
    ("founding_year", "Année de création"),
    ("rna", "N° RNA"),
    ("siae_type", "Type de SIAE"),
    ("ess", "Dans le champ de l'ESS"),
)
#: Fields a partner may change on its own profile (the others are held by the city).
PARTNER_FIELDS = frozenset({"address", "postcode", "commune", "founding_year"})
#: The register's SIAE flag when it names no type (None: the register does not say).
SIAE_FLAG = {True: "SIAE", False: "non (Marché de l'inclusion)"}
#: Fields the register informs about but that are no field of the form.
INFORMATION_ONLY = frozenset({"ess"})


@dataclass
class Row:
    """One compared field: recorded and register values as shown, the value the form takes, and whether they
    already agree; ``applicable`` is False for what the person may not (or cannot) apply."""

    field: str
    label: str
    recorded: str
    register: str
    value: str
    same: bool
    applicable: bool


@dataclass
class Comparison:
    """The register's answer about one SIRET, compared with what is recorded."""

    siret: str
    state: str  # "open" or "closed"
    state_text: str
    rows: list[Row]
    closed_on: date | None = None

    @property
    def differences(self) -> list[Row]:
        """The rows where the register says something else (and says something)."""
        return [row for row in self.rows if not row.same and row.register != "—"]

    def as_json(self) -> dict:
        return {"siret": self.siret, "state": self.state, "state_text": self.state_text,
                "rows": [asdict(row) for row in self.rows], "differences": len(self.differences)}  # fmt: skip


def recorded_from_actor(actor: Actor) -> dict[str, str]:
    """An actor's current values in the form's terms (text, ids and enum values)."""
    return {
        "name": actor.name or "",
        "address": actor.address or "",
        "postcode": actor.postcode or "",
        "commune": actor.commune or "",
        "ape_code": actor.ape_code or "",
        "legal_form": str(actor.legal_form_id or ""),
        "founding_year": str(actor.founding_year or ""),
        "rna": actor.rna or "",
        "siae_type": actor.siae_type.value if actor.siae_type else "",
    }


def state_text(found: Establishment) -> str:
    """« Établissement ouvert » or when it closed."""
    if found.is_open:
        return "Établissement actif au répertoire Sirene."
    when = f" le {format_date(found.closed_on)}" if found.closed_on else ""
    return f"Établissement fermé{when} au répertoire Sirene." + (" L'unité légale est cessée." if found.unit_closed
                                                                  else "")  # fmt: skip


def _ape(value: str | None) -> str:
    try:
        return normalize_ape(value) or ""
    except ValidationError:
        return (value or "").strip()


def _legal_forms(session: so.Session) -> tuple[dict[str, LegalForm], dict[str, LegalForm]]:
    forms = list(session.scalars(sa.select(LegalForm)))
    return {str(f.id): f for f in forms}, {f.insee_code: f for f in forms if f.insee_code}


def compare(session: so.Session, recorded: Mapping[str, str], found: Establishment, *, partner: bool = False
            ) -> Comparison:  # fmt: skip
    """Each field of FIELDS: ``recorded`` (form values) beside the register's ``found``."""
    by_id, by_insee = _legal_forms(session)
    text = {k: (recorded.get(k) or "").strip() for k, _ in FIELDS}
    register_form = by_insee.get(found.nature_juridique or "")
    recorded_form = by_id.get(text["legal_form"])
    siae = SiaeType._value2member_map_.get((found.siae_type or "").upper()) if found.is_siae else None
    year = str(found.creation_year) if found.creation_year else ""
    # (recorded shown, register shown, value for the form, same?)
    values = {
        "name": (text["name"], found.legal_name or "", found.legal_name or "",
                 fold(text["name"]) == fold(found.legal_name)),
        "address": (text["address"], found.address or "", found.address or "",
                    fold(text["address"]) == fold(found.address)),
        "postcode": (text["postcode"], found.postcode or "", found.postcode or "",
                     text["postcode"] == (found.postcode or "")),
        "commune": (text["commune"], found.commune or "", found.commune or "",
                    fold(text["commune"]) == fold(found.commune)),
        "ape_code": (text["ape_code"], _ape(found.ape_code), _ape(found.ape_code),
                     _ape(text["ape_code"]) == _ape(found.ape_code)),
        "legal_form": (recorded_form.label if recorded_form else "",
                       register_form.label if register_form else (
                           f"catégorie juridique {found.nature_juridique} (sans forme correspondante au registre)"
                           if found.nature_juridique else ""),
                       str(register_form.id) if register_form else "",
                       register_form is not None and recorded_form is register_form),
        "founding_year": (text["founding_year"], year, year, text["founding_year"] == year),
        "rna": (text["rna"], found.rna or "", found.rna or "", text["rna"].upper() == (found.rna or "").upper()),
        "siae_type": (SiaeType(text["siae_type"]).label if text["siae_type"] in SiaeType._value2member_map_ else "",
                      siae.label if siae else SIAE_FLAG.get(found.is_siae, ""),
                      siae.value if siae else "",
                      (siae.value if siae else "") == text["siae_type"] or (found.is_siae and not siae)),
        "ess": ("oui (acteur du registre)", {True: "oui", False: "non"}.get(found.is_ess, ""), "",
                found.is_ess is not False),
    }  # fmt: skip
    rows = []
    for field, label in FIELDS:
        shown, register, value, same = values[field]
        applicable = bool(value) and not same and field not in INFORMATION_ONLY
        if partner and field not in PARTNER_FIELDS:
            applicable = False
        rows.append(Row(field, label, shown or "—", register or "—", value, bool(same), applicable))
    return Comparison(found.siret, "open" if found.is_open else "closed", state_text(found), rows, found.closed_on)

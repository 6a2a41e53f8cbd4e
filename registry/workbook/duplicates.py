"""« Doublon possible » in an import: a row of the Acteurs sheet that may be an existing actor or a new one, and the
officer's choice (update the existing record, or create a new one), which is never made silently.

A row without Réf. whose SIRET is none of the registry's is a possible duplicate when
- it matches an existing actor by its natural key (the same normalised name and postcode, or the same RNA) but
  that actor has another SIRET: updating it would overwrite its SIRET; or
- it matches nothing but an existing actor has the same SIREN (another establishment of the same organisation):
  creating it may duplicate that actor.
Until the officer chooses, the row is an error (the import cannot be applied: the command line says to decide in
the web preview or give the Réf.); the choice is kept with the batch (``staging.decide``) as {key: {"choice",
"ref"}} and applies only while the row still points at the same existing actor: planned again at the
confirmation, a row whose candidate changed is undecided again, and the preview is asked again.
"""

from __future__ import annotations

from registry.models import Actor
from registry.workbook.report import Duplicate

UPDATE = "update"
NEW = "new"
CHOICES = {UPDATE: "Mettre à jour la fiche existante", NEW: "Créer une nouvelle fiche"}


def _sirets(planner, index) -> dict:
    """The registry's actors by SIRET and by SIREN (built once per import)."""
    cached = getattr(planner, "_duplicate_sirets", None)
    if cached is None:
        by_target, by_siren = {}, {}
        for siret, target in index.by_siret.items():
            if isinstance(target, int):
                by_target[target] = siret
                by_siren.setdefault(siret[:9], []).append(target)
        cached = planner._duplicate_sirets = (by_target, by_siren)
    return cached


def candidate(planner, spec, row, target):
    """(existing actor's index entry, reason in French) when the row is a possible duplicate, else None."""
    if spec.model is not Actor or row.ambiguous:
        return None
    values = {c.attr: v for c, v in row.parsed.items()}
    siret = values.get("siret")
    index = planner._own_index(spec)
    if values.get("slug") or not siret or siret in index.by_siret:
        return None  # a Réf. or a known SIRET says which record it is; without SIRET nothing contradicts the match
    by_target, by_siren = _sirets(planner, index)
    if isinstance(target, int):
        other = by_target.get(target)
        if other and other != siret:
            return target, f"même nom et même code postal (ou même RNA), mais un autre SIRET ({other})"
        return None
    if target is None:
        same = by_siren.get(siret[:9])
        if same:
            return same[0], f"même SIREN ({siret[:9]}), autre établissement ({by_target[same[0]]})"
    return None


def decide(planner, spec, row, target):
    """The record the row updates once its possible duplicate is decided (None: a new record); an undecided row
    gets its error. Every possible duplicate is listed on the report with its choice."""
    found = candidate(planner, spec, row, target)
    if found is None:
        return target
    existing, reason = found
    obj = planner._own_index(spec).obj(existing)
    values = {c.attr: v for c, v in row.parsed.items()}
    duplicate = Duplicate(spec.name, row.number, str(values.get("name") or ""), obj.slug, obj.name, reason)
    decision = (planner.decisions or {}).get(duplicate.key) or {}
    if decision.get("ref") == obj.slug and decision.get("choice") in CHOICES:
        duplicate.choice = decision["choice"]
    planner.report.duplicates.append(duplicate)
    if duplicate.choice == UPDATE:
        return existing
    if duplicate.choice == NEW:
        return None
    row.errors.append(
        (
            None,
            None,
            f"Doublon possible : l'acteur « {obj.name} » (réf. {obj.slug}) a le {reason}. Choisissez dans l'aperçu "
            "de l'import : mettre à jour cette fiche, ou en créer une nouvelle (ou indiquez sa Réf. dans le classeur).",
        )
    )
    return target

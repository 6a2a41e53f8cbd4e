"""What the importer knows of the registry: records by Réf., SIRET and name, loaded in a few queries.

Existing records are indexed by id from light queries (no ORM objects); the ones a workbook touches are
then loaded in batches. Records a workbook creates are indexed too, so that a row may refer to a record
created by another sheet of the same file.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Contact, Initiative, InitiativePartner, LoanProgramme, LoanReport, Partnership
from registry.services.records.errors import ValidationError
from registry.services.records.slugs import make_slug
from registry.services.reference.matching import match_key, split_values
from registry.services.reference.normalize import fold

#: Relationships a planned record needs (loaded in batch, not row by row).
LOAD_OPTIONS = {
    Actor: (so.selectinload(Actor.axes), so.selectinload(Actor.sectors)),
    Initiative: (
        so.selectinload(Initiative.axes),
        so.selectinload(Initiative.sectors),
        so.selectinload(Initiative.quartiers),
        so.selectinload(Initiative.partners).selectinload(InitiativePartner.actor),
        so.selectinload(Initiative.lead_actor),
    ),
    LoanProgramme: (so.selectinload(LoanProgramme.axes), so.selectinload(LoanProgramme.lender)),
    Partnership: (
        so.selectinload(Partnership.actor),
        so.selectinload(Partnership.initiative),
        so.selectinload(Partnership.loan_programme),
    ),
    Contact: (so.selectinload(Contact.actor),),
    LoanReport: (so.selectinload(LoanReport.programme), so.selectinload(LoanReport.quartier)),
}
CHUNK = 500


class Loader:
    """Loads the records of one type that a workbook touches, in batches, and keeps them."""

    def __init__(self, session: so.Session, model):
        self.session = session
        self.model = model
        self.objects: dict[int, object] = {}

    def load(self, ids) -> None:
        """Load the records with these ids, with their relationships, in a few queries."""
        missing = sorted({i for i in ids if isinstance(i, int) and i not in self.objects})
        for start in range(0, len(missing), CHUNK):
            query = sa.select(self.model).where(self.model.id.in_(missing[start : start + CHUNK]))
            for obj in self.session.scalars(query.options(*LOAD_OPTIONS.get(self.model, ()))):
                self.objects[obj.id] = obj

    def obj(self, target):
        """The ORM object for an index entry (an id, or an object planned by the workbook)."""
        if isinstance(target, int):
            if target not in self.objects:
                self.load([target])
            return self.objects[target]
        return target


class RecordIndex(Loader):
    """Records of one type by Réf. (slug or partnership ref), by name and (actors) by SIRET."""

    def __init__(self, session: so.Session, model, what: str, name_attr: str, the: str = ""):
        super().__init__(session, model)
        self.what = what
        self.the = the
        self.name_attr = name_attr
        self.key_attr = "ref" if model is Partnership else "slug"
        self.by_key: dict[str, object] = {}
        self.by_siret: dict[str, object] = {}
        self.by_name: dict[str, list] = defaultdict(list)
        self._entries: list[tuple] = []  # (target, name, postcode), for the folded indexes built on demand
        self._folded: dict[str, list] | None = None
        self._name_postcode: dict[tuple[str, str], object] | None = None
        cols = [model.id, getattr(model, self.key_attr), getattr(model, name_attr)]
        if model is Actor:
            cols += [Actor.siret, Actor.postcode]
        for row in session.execute(sa.select(*cols)):
            self._add(row[0], row[1], row[2], *(row[3:] if model is Actor else (None, None)))

    def _add(self, target, key, name, siret=None, postcode=None) -> None:
        if key:
            self.by_key[key] = target
        if name:
            self.by_name[name.strip()].append(target)
            self._entries.append((target, name, postcode))
            if self._folded is not None:
                self._folded.setdefault(fold(name), []).append(target)
            if self._name_postcode is not None and postcode:
                self._name_postcode.setdefault((match_key(name), postcode), target)
        if siret:
            self.by_siret[siret] = target

    @property
    def by_folded_name(self) -> dict[str, list]:
        """Records by accent- and case-folded name (built on first use: folding every name has a cost)."""
        if self._folded is None:
            self._folded = defaultdict(list)
            for target, name, _postcode in self._entries:
                self._folded[fold(name)].append(target)
        return self._folded

    @property
    def by_name_postcode(self) -> dict[tuple[str, str], object]:
        """Actors by (matching form of the name, postcode): possible duplicates."""
        if self._name_postcode is None:
            self._name_postcode = {}
            for target, name, postcode in self._entries:
                if postcode:
                    self._name_postcode.setdefault((match_key(name), postcode), target)
        return self._name_postcode

    def register(self, obj) -> None:
        """Index a record planned by the workbook (new, or renamed)."""
        self._add(
            obj,
            getattr(obj, self.key_attr),
            getattr(obj, self.name_attr),
            getattr(obj, "siret", None),
            getattr(obj, "postcode", None),
        )

    def find_target(self, text: str):
        """The index entry a reference names: its Réf., (actors) its SIRET, or its exact name."""
        text = text.strip()
        key = text.upper() if self.model is Partnership else text.lower()
        if key in self.by_key:
            return self.by_key[key]
        if self.model is Actor:
            digits = "".join(ch for ch in text if not ch.isspace())
            if digits.isdigit() and digits in self.by_siret:
                return self.by_siret[digits]
        for names in (self.by_name.get(text), self.by_folded_name.get(fold(text))):
            if names:
                unique = list({id(t) if not isinstance(t, int) else t: t for t in names}.values())
                if len(unique) > 1:
                    raise ValidationError(
                        f"Plusieurs fiches « {self.what} » portent le nom « {text} » : indiquez la Réf."
                        + (" ou le SIRET." if self.model is Actor else ".")
                    )
                return unique[0]
        raise ValidationError(
            f"{self.what.capitalize()} introuvable « {text} » : indiquez sa Réf., son nom exact"
            + (" ou son SIRET." if self.model is Actor else ".")
        )

    def find_many(self, text: str) -> list:
        """Several references in one cell, separated by ';' or line breaks (',' when each part is known)."""
        found = []
        for part in [p.strip() for p in text.replace("\r", "\n").replace(";", "\n").split("\n") if p.strip()]:
            try:
                targets = [self.find_target(part)]
            except ValidationError:
                pieces = split_values(part)
                if len(pieces) < 2:
                    raise
                targets = [self.find_target(p) for p in pieces]
            for target in targets:
                if all(target is not t for t in found):
                    found.append(target)
        return found

    def unique_key(self, base_text: str) -> str:
        """A slug made from ``base_text`` that neither the registry nor the workbook uses yet."""
        base = make_slug(base_text)
        candidate, n = base, 2
        while candidate in self.by_key:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

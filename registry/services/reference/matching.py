"""Tolerant matching of what people type against reference data and enumerations.

"st maurice", "Saint-Maurice Pellevoisin" and "saint-maurice-pellevoisin" name the same quartier;
"former", "Former et se former" and "FORMER ET SE FORMER" the same axis.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Axis, LegalForm, Quartier, Sector
from registry.services.records.errors import ValidationError
from registry.services.reference.normalize import fold

#: Abbreviations expanded before comparing.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "fbg": "faubourg", "fg": "faubourg", "bd": "boulevard"}
#: Small words that people leave out ("Faubourg Béthune" for "Faubourg de Béthune").
_STOP_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et"}


def match_key(text: str | None) -> str:
    """The form under which two names are considered equal."""
    words = [_ABBREVIATIONS.get(w, w) for w in fold(text).split()]
    return " ".join(w for w in words if w not in _STOP_WORDS)


T = TypeVar("T")


class Matcher(Generic[T]):
    """Finds an item by any of its names (code, label, aliases), tolerantly."""

    def __init__(self, items: Iterable[T], names: Callable[[T], Iterable[str]], what: str, display: Callable[[T], str]):
        self.what = what
        self.items = list(items)
        self._display = display
        self._index: dict[str, T] = {}
        for item in self.items:
            for name in names(item):
                key = match_key(name)
                if key:
                    self._index.setdefault(key, item)

    def find(self, text) -> T | None:
        """The item named by ``text``, or None."""
        return self._index.get(match_key(None if text is None else str(text)))

    def get(self, text) -> T:
        """The item named by ``text``; ValidationError listing the allowed values otherwise."""
        item = self.find(text)
        if item is None:
            allowed = ", ".join(self._display(i) for i in self.items)
            raise ValidationError(f"{self.what} : valeur inconnue « {text} ». Valeurs possibles : {allowed}.")
        return item

    def get_many(self, text) -> list[T]:
        """Items of a multi-value cell separated by ';' (also ',' and line breaks when each part is known)."""
        if text is None or str(text).strip() == "":
            return []
        raw = str(text)
        parts = split_values(raw)
        # A label may itself contain a comma: try ';' and line breaks only if ',' splitting fails.
        if not all(self.find(p) for p in parts):
            coarse = [p.strip() for p in re.split(r"[;\n\r]+", raw) if p.strip()]
            if all(self.find(p) for p in coarse):
                parts = coarse
        result: list[T] = []
        for part in parts:
            item = self.get(part)
            if item not in result:
                result.append(item)
        return result


def split_values(text: str) -> list[str]:
    """Split a multi-value cell on ';', ',' and line breaks."""
    return [p.strip() for p in re.split(r"[;,\n\r]+", text) if p.strip()]


def match_enum(enum_cls, text, what: str, aliases: dict[str, str] | None = None):
    """The member of a LabelledEnum named by its value, its label or an alias; ValidationError otherwise."""
    if text is None or str(text).strip() == "":
        return None
    if isinstance(text, enum_cls):
        return text
    key = match_key(str(text))
    for member in enum_cls:
        if key in (match_key(member.value), match_key(member.label)):
            return member
    for alias, value in (aliases or {}).items():
        if key == match_key(alias):
            return enum_cls(value)
    allowed = ", ".join(m.label for m in enum_cls)
    raise ValidationError(f"{what} : valeur inconnue « {text} ». Valeurs possibles : {allowed}.")


class ReferenceData:
    """Matchers for the reference tables, loaded once per request or import."""

    def __init__(self, session: so.Session):
        axes = session.scalars(sa.select(Axis).order_by(Axis.position)).all()
        quartiers = session.scalars(sa.select(Quartier).order_by(Quartier.name)).all()
        sectors = session.scalars(sa.select(Sector).order_by(Sector.label)).all()
        forms = session.scalars(sa.select(LegalForm).order_by(LegalForm.label)).all()
        self.axes = Matcher(axes, lambda a: (a.code, a.label), "Axe", lambda a: a.label)
        self.quartiers = Matcher(quartiers, lambda q: (q.code, q.name, *q.alias_list), "Quartier", lambda q: q.name)
        self.sectors = Matcher(sectors, lambda s: (s.code, s.label), "Secteur", lambda s: s.label)
        self.legal_forms = Matcher(
            forms,
            lambda f: (f.code, f.label, *([f.insee_code] if f.insee_code else [])),
            "Forme juridique",
            lambda f: f.label,
        )

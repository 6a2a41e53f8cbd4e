"""Enumerated values as people type them: « signées » for Signé, « nature » for En nature, « active » for Actif.

A typed value and each accepted form (the code, the label, each part of a label « EI — entreprise
d'insertion », and the synonyms kept beside the sheet's spec) are reduced to their words, accents, case and
punctuation aside, without the small words people leave out (« en », « de », « la »…), each word without its
gender and number endings (« signées », « signée », « signés » → « sign » ; « actif », « active » → « activ »).
A value whose words are those of exactly one member's form is that member; else, when exactly one member has
a form holding all its words (« projet » → Subvention de projet), that member. Several members: an error listing
them, never a silent pick.
"""

from __future__ import annotations

from registry.services.records.errors import ValidationError
from registry.services.reference.matching import match_enum, match_key

#: Small words left out besides the ones ``match_key`` drops.
_LEFT_OUT = {"en", "a", "au", "aux", "un", "une", "d", "l"}


def _stem(word: str) -> str:
    """A word without its French gender and number endings (accents already folded)."""
    while len(word) > 3 and word[-1] in "es":
        word = word[:-1]
    if word.endswith("if"):
        word = word[:-2] + "iv"
    return word


def words(text: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in match_key(text.replace("'", " ").replace("’", " ")).split() if w not in _LEFT_OUT)


def forms(enum_cls, synonyms: dict | None = None) -> dict:
    """Every accepted form of every member, by its words: {words: {member}}."""
    found: dict[tuple, set] = {}
    for member in enum_cls:
        texts = [member.value, member.label, *member.label.split(" — ")]
        for text in texts:
            found.setdefault(words(text), set()).add(member)
    for text, value in (synonyms or {}).items():
        found.setdefault(words(text), set()).add(enum_cls(value))
    return found


def match_typed(enum_cls, text, what: str, synonyms: dict | None = None):
    """The member ``text`` names, as people type it; None for an empty cell; ValidationError otherwise."""
    try:
        return match_enum(enum_cls, text, what)
    except ValidationError as exc:
        unknown = exc.message
    typed = words(str(text))
    table = forms(enum_cls, synonyms)
    candidates = table.get(typed, set())
    if not candidates and typed:
        candidates = {m for form, members in table.items() if set(typed) <= set(form) for m in members}
    if len(candidates) == 1:
        return next(iter(candidates))
    if candidates:
        listed = ", ".join(f"« {m.label} »" for m in enum_cls if m in candidates)
        raise ValidationError(
            f"Valeur ambiguë « {text} » ({what}) : il peut s'agir de {listed}. Écrivez la valeur voulue en entier."
        )
    raise ValidationError(unknown)


def accepted_forms(enum_cls, synonyms: dict | None = None) -> str:
    """For the Notice sheet: each value and the other forms accepted for it."""
    parts = []
    for member in enum_cls:
        others = [t for t, v in (synonyms or {}).items() if v == member.value]
        parts.append(member.label + (f" (aussi : {', '.join(others)})" if others else ""))
    return (
        "Valeurs acceptées : " + " ; ".join(parts) + ". Majuscules, accents, accords (« signée », « signées ») et "
        "petits mots (« en », « de ») indifférents ; une valeur qui peut en désigner plusieurs est refusée."
    )

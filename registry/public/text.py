"""Text of the public pages: sentences made from a record's fields, and free text whose e-mail addresses, phone
numbers and web addresses become links."""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from markupsafe import Markup, escape

from registry.models import LoanPurpose

#: What a loan finances, said of its borrowers (« afin de financer leur mobilité ») or in general.
PURPOSE_OF_BORROWERS = {
    LoanPurpose.MOBILITY: "leur mobilité",
    LoanPurpose.TRAINING: "leur formation",
    LoanPurpose.BUSINESS_CREATION: "la création de leur entreprise",
}
PURPOSE_IN_GENERAL = {
    LoanPurpose.MOBILITY: "la mobilité",
    LoanPurpose.TRAINING: "la formation",
    LoanPurpose.BUSINESS_CREATION: "la création d'entreprise",
}
#: Words an audience may already start with (« Tout public », « Les jeunes de 18 à 25 ans »).
_DETERMINERS = re.compile(r"^(le|la|les|l'|l’|un|une|des|tout|toute|tous|toutes|chaque|ceux|celles)\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)»"


def french_list(items: Iterable[str], conjunction: str = "ou") -> str:
    """« a », « a ou b », « a, b ou c »."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _audience(target_public: str | None) -> str | None:
    """« Demandeurs d'emploi » as it reads after « Pour » : « les demandeurs d'emploi »."""
    text = " ".join((target_public or "").split()).rstrip(".")
    text = re.sub(r"^pour\s+", "", text, flags=re.I)
    if not text:
        return None
    first = text.split(" ", 1)[0]
    if not (len(first) > 1 and first[:2].isupper()):  # keep an acronym (« RSA ») as it is written
        text = text[0].lower() + text[1:]
    text = re.sub(r"^aux\b", "les", re.sub(r"^au\b", "le", text))
    return text if _DETERMINERS.match(text) else f"les {text}"


def audience_sentence(target_public: str | None, purposes: Iterable[LoanPurpose]) -> str:
    """Who a loan is for and what it finances, as a sentence: « Pour les demandeurs d'emploi, afin de financer
    leur mobilité. » (empty when neither is known)."""
    purposes = list(purposes)
    audience = _audience(target_public)
    if audience and purposes:
        return f"Pour {audience}, afin de financer {french_list(PURPOSE_OF_BORROWERS[p] for p in purposes)}."
    if audience:
        return f"Pour {audience}."
    if purposes:
        return f"Pour financer {french_list(PURPOSE_IN_GENERAL[p] for p in purposes)}."
    return ""


def _link(href: str, text: str, kind: str) -> Markup:
    rel = Markup(' rel="noopener noreferrer external"') if kind == "web" else ""
    return Markup('<a class="contact-link" href="{}" data-kind="{}"{}>{}</a>').format(href, kind, rel, text)


def _matches(line: str) -> list[tuple[int, int, Markup]]:
    """(start, end, link) of each address in ``line``, without overlaps, in order."""
    found = []
    for m in _URL.finditer(line):
        url = m.group().rstrip(_TRAILING)
        found.append((m.start(), m.start() + len(url), _link(url, url, "web")))
    for m in _EMAIL.finditer(line):
        found.append((m.start(), m.end(), _link(f"mailto:{m.group()}", m.group(), "email")))
    for m in phonenumbers.PhoneNumberMatcher(line, "FR"):
        e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
        found.append((m.start, m.end, _link(f"tel:{e164}", m.raw_string, "phone")))
    found.sort(key=lambda f: (f[0], -f[1]))
    kept, end = [], -1
    for start, stop, link in found:
        if start >= end:
            kept.append((start, stop, link))
            end = stop
    return kept


def linkify(line: str) -> Markup:
    """Escaped text with its e-mail addresses as mailto:, phone numbers as tel: and web addresses as links."""
    parts, position = [], 0
    for start, stop, link in _matches(line):
        parts += [escape(line[position:start]), link]
        position = stop
    parts.append(escape(line[position:]))
    return Markup("").join(parts)

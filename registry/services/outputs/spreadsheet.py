"""Cell values that are safe to hand to a spreadsheet (CSV or XLSX) — shared by every export."""

from __future__ import annotations

#: A cell starting with one of these may be run as a formula by Excel or LibreOffice (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """True when ``text`` would be read as a formula if written as is."""
    return bool(text) and text.startswith(FORMULA_TRIGGERS)


def neutralise_formula(text: str) -> str:
    """For CSV: prefix formula-like text with an apostrophe so spreadsheets show it as text."""
    return "'" + text if is_formula_like(text) else text

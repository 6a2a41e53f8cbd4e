"""The data sheets of the workbook: the single source of sheet names, headers, parsing, validation and formatting.

Import, export, the empty template (with its ``Notice`` and ``Listes`` sheets) and the demo data all read
these specs (``spec`` for their types, ``sheets`` for each sheet and its import rules); the contract they
implement is WORKBOOK.md (interchange format v1).
"""

from __future__ import annotations

from registry.workbook.sheets.actors import ACTORS, CONTACTS
from registry.workbook.sheets.initiatives import INITIATIVES
from registry.workbook.sheets.loans import PROGRAMMES, REPORTS
from registry.workbook.sheets.partnerships import PARTNERSHIPS
from registry.workbook.spec import Column, RefIndex, SheetSpec, header_key

#: Every data sheet, in the order records are imported (a sheet may refer to the ones before it).
SHEETS: tuple[SheetSpec, ...] = (ACTORS, CONTACTS, INITIATIVES, PROGRAMMES, REPORTS, PARTNERSHIPS)
SHEETS_BY_KEY = {header_key(s.name): s for s in SHEETS}
#: The sheets with a Réf. column by the name reference columns use for them (``Column.target``).
SHEETS_BY_TARGET = {s.ref_index.target: s for s in SHEETS if s.ref_index}
#: Sheets written by the export and the template, skipped by the importer.
NOTICE_SHEET = "Notice"
LISTS_SHEET = "Listes"
IGNORED_SHEETS = {header_key(NOTICE_SHEET), header_key(LISTS_SHEET)}

__all__ = [
    "ACTORS",
    "CONTACTS",
    "IGNORED_SHEETS",
    "INITIATIVES",
    "LISTS_SHEET",
    "NOTICE_SHEET",
    "PARTNERSHIPS",
    "PROGRAMMES",
    "REPORTS",
    "SHEETS",
    "SHEETS_BY_KEY",
    "SHEETS_BY_TARGET",
    "Column",
    "RefIndex",
    "SheetSpec",
    "header_key",
]

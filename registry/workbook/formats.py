"""Which kind of file was uploaded, told by its content (never by its name), and the reader for each.

- .xlsx: ``reader.read_sheets`` (archive checks, python-calamine or streaming openpyxl);
- .ods (LibreOffice) and legacy .xls: python-calamine, after the same bounds as for .xlsx (zip entries, sizes
  and ratios, no DTD or entity for .ods) and a bound on the sheet's grid (calamine builds it densely);
  formulas are never run: the values the spreadsheet saved are read;
- .csv: ``csv_reader`` (encoding and dialect detected, one sheet chosen by its headers);
- a GoGoCarto / Carteco map export, JSON or CSV (its English field names): ``map_import``, as the Acteurs sheet;
- an SCDL « subventions » CSV (its headers, 2.1.1 or the older set): ``scdl_import``, as partnerships.

``read_file`` returns the sheet names, the wanted sheets and what was detected, in French, for the preview.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime

import python_calamine

from registry.workbook import csv_reader, map_import, scdl_import
from registry.workbook.cells import is_blank
from registry.workbook.reader import (
    OLE_MAGIC,
    RawSheet,
    WorkbookRejected,
    check_zip_bounds,
    read_sheets,
)

#: Columns a registry sheet may use (the widest has 25): calamine's dense grid is bounded by rows × this.
MAX_COLUMNS = 200
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ENCRYPTED = (
    "Ce classeur est protégé par un mot de passe : le registre ne peut pas le lire. Enregistrez-en une copie sans "
    "mot de passe, puis importez-la."
)
DAMAGED = "Le classeur est endommagé ou n'a pas pu être lu : enregistrez-le à nouveau."


def read_file(
    data: bytes, *, wanted: Callable[[str], bool], max_rows: int, choose_sheet: Callable[[dict], str]
) -> tuple[list[str], list[RawSheet], str]:
    """(sheet names, wanted sheets, what was detected) for any accepted format; raises WorkbookRejected.
    ``choose_sheet(header_row)`` names the sheet a CSV holds (or raises WorkbookRejected)."""
    if not data:
        raise WorkbookRejected("Le fichier est vide.")
    if data.startswith(b"PK\x03\x04") and _is_ods(data):
        names, sheets = _read_calamine(data, wanted, max_rows)
        return names, sheets, "Classeur OpenDocument (.ods)"
    if data.startswith(OLE_MAGIC) and not _is_encrypted_ooxml(data):
        names, sheets = _read_calamine(data, wanted, max_rows)
        return names, sheets, "Classeur Excel 97-2003 (.xls)"
    if data.startswith((b"PK\x03\x04", OLE_MAGIC, b"%PDF")) or _is_html(data) or not csv_reader.looks_like_text(data):
        names, sheets = read_sheets(data, wanted=wanted, max_rows=max_rows)
        return names, sheets, "Classeur Excel (.xlsx)"
    if map_import.looks_like_json(data):
        sheet, detected = map_import.read_json(data, max_rows=max_rows)
        return [sheet.name], [sheet], detected
    from_map, from_scdl = [], []

    def choose(header_row: dict) -> str:
        if scdl_import.is_scdl_header(header_row):
            from_scdl.append(True)
            return scdl_import.SHEET_NAME
        try:
            return choose_sheet(header_row)
        except WorkbookRejected:
            if not map_import.is_map_header(header_row):
                raise
            from_map.append(True)
            return map_import.SHEET_NAME

    sheet, detected = csv_reader.read_csv(data, max_rows=max_rows, choose_sheet=choose)
    if from_map:
        sheet, detected = map_import.from_csv(sheet, detected, max_rows)
    elif from_scdl:
        sheet, detected = scdl_import.from_csv(sheet, detected)
    return [sheet.name], [sheet] if wanted(sheet.name) else [], detected


def _is_html(data: bytes) -> bool:
    sample = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return sample.startswith(b"<") and (b"<html" in sample or b"<!doctype html" in sample or b"<table" in sample)


def _is_encrypted_ooxml(data: bytes) -> bool:
    return "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data


def _is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet that passed the archive bounds; raises WorkbookRejected for a hostile,
    encrypted or damaged one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # reader.check_archive says it is damaged
    with archive:
        names = {info.filename for info in entries}
        if "mimetype" not in names or not archive.read("mimetype")[:100].startswith(ODS_MIMETYPE):
            return False
        check_zip_bounds(entries)
        try:
            for info in entries:
                if info.filename.lower().endswith(".xml"):
                    xml = archive.read(info)
                    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                        raise WorkbookRejected(
                            "Fichier refusé par sécurité : il contient des déclarations XML (DTD ou entités) "
                            "qu'un classeur ne contient jamais."
                        )
                    if info.filename == "META-INF/manifest.xml" and b"encryption-data" in xml:
                        raise WorkbookRejected(ENCRYPTED)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise WorkbookRejected(DAMAGED) from None
    return True


def _read_calamine(data: bytes, wanted, max_rows: int) -> tuple[list[str], list[RawSheet]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors on damaged or protected files
        text = str(exc).lower()
        raise WorkbookRejected(ENCRYPTED if "password" in text or "encrypt" in text else DAMAGED) from None
    sheets = []
    for name in names:
        if not wanted(name):
            continue
        try:
            source = workbook.get_sheet_by_name(name)
        except Exception:  # noqa: BLE001
            raise WorkbookRejected(
                f"La feuille « {name} » n'a pas pu être lue : enregistrez le classeur à nouveau."
            ) from None
        sheets.append(_sheet(name, source, max_rows))
    return names, sheets


def _sheet(name: str, source, max_rows: int) -> RawSheet:
    if source.width > MAX_COLUMNS:
        raise WorkbookRejected(
            f"La feuille « {name} » a des cellules remplies au-delà de la colonne {MAX_COLUMNS} : "
            "supprimez les colonnes en trop, puis importez à nouveau."
        )
    sheet = RawSheet(name)
    if source.start is None:
        return sheet
    # calamine's rows start at the first filled cell, not at A1
    first_row, first_column = source.start
    rows = enumerate(source.iter_rows(), start=first_row + 1)
    sheet.take(
        (
            (n, {col: _value(v) for col, v in enumerate(cells, start=first_column + 1) if not is_blank(v)})
            for n, cells in rows
        ),
        max_rows,
    )
    sheet.merged = [_range(r) for r in (source.merged_cell_ranges or ())]
    return sheet


def _range(cells) -> str:
    from openpyxl.utils.cell import get_column_letter

    (r1, c1), (r2, c2) = cells
    return f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"


def _value(value):
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value

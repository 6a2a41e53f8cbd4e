"""Open an uploaded .xlsx safely and stream its cells (``formats`` tells the kind of file and reads .ods, .xls
and CSV itself).

Before any XML is parsed, the file is checked: it must be a real .xlsx (not CSV, HTML, an old .xls, a
password-protected file or a macro workbook), and its zip entries are bounded in number, size and
compression ratio (zip bombs), and carry no DTD or entity declaration (XML bombs, external entities).
openpyxl then parses with defusedxml (``openpyxl.DEFUSEDXML``), in read-only mode, row by row — unless the
workbook is plain enough for the much faster python-calamine to read it identically (``fast_reader``).

openpyxl 3.1 (pinned) gives no public access to a read-only sheet's row attributes, merged cells or
formulas without a cached value, so the sheet parser is subclassed (``_SheetParser``).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from registry.workbook.cells import CellError, is_blank
from registry.workbook.fast_reader import read_sheets_fast

#: An .xlsx holds a few dozen entries; thousands mean something else.
MAX_ENTRIES = 2000
#: Total size of the unzipped entries (a 200,000-row workbook stays well below).
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
#: Above this size, an entry compressed more than MAX_RATIO times is a zip bomb.
RATIO_CHECK_ABOVE = 8 * 1024 * 1024
MAX_RATIO = 200
#: Reading a sheet stops after this many empty rows in a row (LibreOffice may write a million).
MAX_EMPTY_RUN = 10_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroenabled.main+xml"
TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
RUN_TAG = f"{{{SHEET_MAIN_NS}}}r"
SAVE_AS_XLSX = "Ouvrez-le dans votre tableur et enregistrez-le au format « Classeur Excel (.xlsx) », puis importez-le."


class WorkbookRejected(Exception):
    """The whole file cannot be read; ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RawSheet:
    """The non-empty rows of one sheet: (Excel row number, {column number: value})."""

    name: str
    rows: list[tuple[int, dict[int, object]]] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    #: Row number where reading stopped after MAX_EMPTY_RUN empty rows (None when read to the end).
    stopped_at: int | None = None
    #: What the rows were read from when not a registry sheet: "map" for a GoGoCarto / Carteco export
    #: (``map_import``), planned with its own rules.
    source: str | None = None

    def take(self, numbered_rows, max_rows: int) -> None:
        """Keep the filled rows of ``numbered_rows`` ((row number, {column: value}), an empty dict for an empty row):
        WorkbookRejected past ``max_rows``; reading stops after MAX_EMPTY_RUN empty rows in a row (``stopped_at``)."""
        empty_run = 0
        for number, values in numbered_rows:
            if not values:
                empty_run += 1
                if empty_run >= MAX_EMPTY_RUN:
                    self.stopped_at = number
                    return
                continue
            empty_run = 0
            self.rows.append((number, values))
            if len(self.rows) > max_rows + 1:
                raise WorkbookRejected(too_many_rows(self.name, max_rows))


def too_many_rows(name: str, max_rows: int) -> str:
    return (
        f"Trop de lignes dans la feuille « {name} » : {max_rows:,} au plus par import. "
        "Découpez le fichier en plusieurs classeurs.".replace(",", "\u202f")
    )


def _sniff_not_zip(head: bytes, data: bytes) -> str:
    if head.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            return (
                "Ce classeur est protégé par un mot de passe : le registre ne peut pas le lire. Enregistrez-en une "
                "copie sans mot de passe (Fichier › Informations › Protéger le classeur), puis importez-la."
            )
        # a plain .xls is read by ``formats`` before this reader is called
        return "Ce fichier Excel 97-2003 (.xls) est endommagé ou n'a pas pu être lu : enregistrez-le à nouveau."
    if head.startswith(b"%PDF"):
        return "Ce fichier est un document PDF, pas un classeur Excel (.xlsx). " + SAVE_AS_XLSX
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith(b"<") and (b"<html" in sample or b"<!doctype html" in sample or b"<table" in sample):
        return "Ce fichier est une page web (HTML) enregistrée avec l'extension .xlsx, pas un classeur. " + SAVE_AS_XLSX
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    if head and printable / len(text) > 0.95:
        return (
            "Ce fichier texte n'est pas un fichier CSV lisible (caractères de contrôle ou encodage inconnu). "
            "Enregistrez-le à nouveau depuis votre tableur, au format « CSV UTF-8 »."
        )
    return "Ce fichier n'est ni un classeur (.xlsx, .ods, .xls) ni un fichier CSV lisible. " + SAVE_AS_XLSX


def check_zip_bounds(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive with too many entries, or too large once unzipped (zip bombs)."""
    if len(entries) > MAX_ENTRIES:
        raise WorkbookRejected(f"Fichier refusé : il contient {len(entries)} éléments compressés, c'est anormal.")
    total = 0
    for info in entries:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (info.file_size > RATIO_CHECK_ABOVE and ratio > MAX_RATIO):
            raise WorkbookRejected(
                "Fichier refusé : une fois décompressé, il serait démesurément volumineux "
                "(« bombe » de compression). Vérifiez le fichier ou découpez-le."
            )


def check_archive(data: bytes) -> None:
    """Refuse what is not a plain .xlsx, before parsing any XML: raises WorkbookRejected."""
    if not data:
        raise WorkbookRejected("Le fichier est vide.")
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookRejected(_sniff_not_zip(data[:4096], data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookRejected("Le classeur est endommagé ou incomplet : enregistrez-le à nouveau.") from None
    with archive:
        check_zip_bounds(entries)
        names = {info.filename for info in entries}
        if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
            raise WorkbookRejected("Ce fichier est au format OpenDocument (.ods). " + SAVE_AS_XLSX)
        if "[Content_Types].xml" not in names:
            raise WorkbookRejected("Ce fichier compressé n'est pas un classeur Excel (.xlsx). " + SAVE_AS_XLSX)
        content_types = _read_head(archive, "[Content_Types].xml", limit=1024 * 1024).lower()
        if XLSM_MAIN.encode() in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
            raise WorkbookRejected(
                "Ce classeur contient des macros (.xlsm) : par sécurité, le registre ne les accepte pas. "
                "Enregistrez-le au format « Classeur Excel (.xlsx) » (sans macros), puis importez-le."
            )
        if XLSX_MAIN.encode() not in content_types:
            raise WorkbookRejected("Ce fichier compressé n'est pas un classeur Excel (.xlsx). " + SAVE_AS_XLSX)
        for info in entries:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                head = _read_head(archive, info.filename, limit=4096).upper()
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise WorkbookRejected(
                        "Fichier refusé par sécurité : il contient des déclarations XML (DTD ou entités) qu'un "
                        "classeur Excel ne contient jamais."
                    )


def _read_head(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as f:
        return f.read(limit)


class _SheetParser(WorkSheetParser):
    """openpyxl's streaming sheet parser, remembering hidden rows and formulas that have no value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden = False

    def parse_row(self, row):
        # Row attributes are not kept (a million formatted empty rows would fill memory).
        self.hidden = row.get("hidden") in ("1", "true")
        number = row.get("r")
        self.row_counter = int(float(number)) if number else self.row_counter + 1
        self.col_counter = 0
        return self.row_counter, [self.parse_cell(el) for el in row]

    def parse_cell(self, element):
        if element.get("t") == "inlineStr":
            return self._inline_string(element)
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["value"] = CellError(
                "Formule sans valeur calculée : ouvrez le classeur dans votre tableur, laissez-le calculer, "
                "enregistrez-le, puis importez-le (ou remplacez la formule par sa valeur).",
                "(formule)",
            )
        elif cell["data_type"] == "e" and element.get("t", "n") == "n":
            # openpyxl turns a date serial it cannot convert into an error cell
            cell["value"] = CellError("Date hors limites : elle doit être comprise entre 1900 et 2100.", "(date)")
        elif cell["data_type"] == "e":
            shown = str(cell["value"])
            cell["value"] = CellError(f"La cellule contient une erreur de calcul ({shown}).", shown)
        return cell

    def _inline_string(self, element):
        # openpyxl builds a rich-text object per inline string (slow); the plain text is all we need.
        # Runs (<r><t>) are joined; phonetic hints (<rPh>) are left out, as Excel shows them.
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        parts = []
        inline = element.find(INLINE_STRING)
        if inline is not None:
            for child in inline:
                if child.tag == TEXT_TAG:
                    parts.append(child.text or "")
                elif child.tag == RUN_TAG:
                    parts.extend(t.text or "" for t in child.iter(TEXT_TAG))
        value = "".join(parts) if inline is not None else None
        return {"row": row, "column": column, "value": value, "data_type": "s", "style_id": 0}


def read_sheets(data: bytes, *, wanted, max_rows: int) -> tuple[list[str], list[RawSheet]]:
    """All sheet names, and the rows of the sheets for which ``wanted(name)`` is true.

    Raises WorkbookRejected for an unreadable file or a sheet with more than ``max_rows`` non-empty rows.
    A plain workbook is read by python-calamine (``fast_reader``), anything else by openpyxl, streaming.
    """
    check_archive(data)
    fast = read_sheets_fast(data, wanted=wanted, max_rows=max_rows, max_empty_run=MAX_EMPTY_RUN)
    if fast is not None:
        names, read = fast
        return names, [RawSheet(name, rows) for name, rows in read]
    return read_sheets_full(data, wanted=wanted, max_rows=max_rows)


def read_sheets_full(data: bytes, *, wanted, max_rows: int) -> tuple[list[str], list[RawSheet]]:
    """``read_sheets`` by openpyxl, streaming, for an archive that passed ``check_archive``."""
    try:
        # openpyxl's load_workbook(read_only=True) parses every sheet once just to size it when the file
        # has no <dimension> element: open the workbook part by part instead, and stream each sheet once.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        parts = [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on a damaged file
        raise WorkbookRejected("Le classeur est endommagé ou n'a pas pu être lu : enregistrez-le à nouveau.") from None
    try:
        sheets = [_read_sheet(reader, name, path, max_rows) for name, path in parts if wanted(name)]
    finally:
        reader.archive.close()
    return [name for name, _path in parts], sheets


def _read_sheet(reader: ExcelReader, name: str, path: str, max_rows: int) -> RawSheet:
    sheet = RawSheet(name)
    wb = reader.wb
    try:
        with warnings.catch_warnings(), reader.archive.open(path) as src:
            warnings.simplefilter("ignore", UserWarning)  # openpyxl warns about each bad date serial
            parser = _SheetParser(
                src,
                reader.shared_strings,
                data_only=True,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )

            def filled_rows():
                for number, cells in parser.parse():
                    values = {c["column"]: c["value"] for c in cells if not is_blank(c["value"])}
                    if values and parser.hidden:
                        sheet.hidden_rows.append(number)
                    yield number, values

            sheet.take(filled_rows(), max_rows)
            merged = parser.merged_cells
            if merged is not None:
                sheet.merged = [str(m.ref) for m in merged.mergeCell]
    except WorkbookRejected:
        raise
    except Exception:  # noqa: BLE001 - defusedxml and openpyxl errors on hostile or damaged XML
        raise WorkbookRejected(
            f"La feuille « {name} » n'a pas pu être lue (contenu XML invalide ou refusé par sécurité)."
        ) from None
    return sheet

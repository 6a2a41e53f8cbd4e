"""Read a CSV file as one sheet: its encoding and dialect detected from its content, its sheet by its headers.

The encoding: a byte-order mark (UTF-8, UTF-16) says it; else strict UTF-8 when the bytes decode so; else
charset-normalizer chooses among the encodings French spreadsheets and finance software write (UTF-16 without
a mark, Windows-1252, ISO-8859-1/-15). The dialect: the standard ``csv.Sniffer`` among « ; », « , » and tab,
checked against the header line (the separator splitting it into the most headers wins when the sniffer
hesitates). Cells stay text (« 1 234,50 », « 07/03/2025 »): the column parsers read French numbers and dates.
A quoted cell may span several lines; rows are numbered as a spreadsheet shows them (one per record).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable

import charset_normalizer

from registry.workbook.reader import RawSheet, WorkbookRejected, too_many_rows

#: Encodings charset-normalizer chooses among (Python codec names) and how the preview names them.
ENCODINGS = {
    "utf_8": "UTF-8",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "cp1252": "Windows-1252",
    "latin_1": "ISO-8859-1 (Latin-1)",
    "iso8859_15": "ISO-8859-15 (Latin-9)",
}
SEPARATORS = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
#: Bytes looked at to tell text from binary and to sniff the dialect.
SAMPLE = 64 * 1024


def looks_like_text(data: bytes) -> bool:
    """The file is text in one of the accepted encodings (not a binary file of an unknown kind)."""
    head = data[:SAMPLE]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if b"\x00" in head:
        # UTF-16 without a mark: every other byte of Latin text is zero
        zeros = head.count(b"\x00")
        return zeros * 3 > len(head) and _decode_utf16(head) is not None
    sample = head.decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable / len(sample) > 0.95


def _decode_utf16(head: bytes) -> str | None:
    for codec in ("utf_16_le", "utf_16_be"):
        try:
            text = head[: len(head) // 2 * 2].decode(codec)
        except UnicodeDecodeError:
            continue
        if sum(ch.isprintable() or ch in "\r\n\t" for ch in text) / max(len(text), 1) > 0.95:
            return codec
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding as the preview names it)."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf_8"), "UTF-8 avec BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf_16"), "UTF-16"
    try:
        return data.decode("utf_8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:SAMPLE] and (codec := _decode_utf16(data[:SAMPLE])):
        return _strict(data, codec), "UTF-16"
    best = charset_normalizer.from_bytes(data, cp_isolation=list(ENCODINGS)).best()
    codec = best.encoding if best is not None else "cp1252"
    if codec not in ENCODINGS:
        codec = "cp1252"
    return _strict(data, codec), ENCODINGS[codec]


def _strict(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise WorkbookRejected(
            "Ce fichier CSV mélange plusieurs encodages de caractères (ou il est endommagé) : enregistrez-le à "
            "nouveau depuis votre tableur, au format « CSV UTF-8 »."
        ) from None


def sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    """The dialect, checked against the header line."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    by_header = max(counts, key=counts.get)
    try:
        dialect = csv.Sniffer().sniff(text[:SAMPLE], delimiters="".join(SEPARATORS))
    except csv.Error:
        dialect = None
    if dialect is None or counts.get(dialect.delimiter, 0) < counts[by_header]:

        class Dialect(csv.excel):
            delimiter = by_header

        return Dialect
    dialect.doublequote = True
    return dialect


def read_csv(data: bytes, *, max_rows: int, choose_sheet: Callable[[dict], str]) -> tuple[RawSheet, str]:
    """The CSV's rows as the sheet its headers name, and what was detected, in French."""
    text, encoding = decode(data)
    if "\x00" in text:
        raise WorkbookRejected("Ce fichier n'est ni un classeur ni un fichier CSV lisible.")
    dialect = sniff(text)
    rows: list[tuple[int, dict[int, object]]] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
            values = {column: cell for column, cell in enumerate(cells, start=1) if cell.strip()}
            if values:
                rows.append((number, values))
            if len(rows) > max_rows + 1:
                raise WorkbookRejected(too_many_rows("CSV", max_rows))
    except csv.Error as exc:
        raise WorkbookRejected(f"Le fichier CSV est mal formé ({exc}) : enregistrez-le à nouveau.") from None
    if not rows:
        raise WorkbookRejected("Le fichier CSV ne contient aucune ligne.")
    name = choose_sheet(rows[0][1])
    detected = f"CSV, séparateur {SEPARATORS.get(dialect.delimiter, repr(dialect.delimiter))}, encodage {encoding}"
    return RawSheet(name, rows), detected

"""Open-data files written from the data dictionary: CSV (streamed), XLSX (string cells stay strings), GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from enum import Enum
from tempfile import SpooledTemporaryFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from registry.public.fields import Field, as_json, jsonable
from registry.services.outputs.spreadsheet import is_formula_like, neutralise_formula

#: Rows buffered before a CSV chunk is sent.
CSV_BATCH = 500


def csv_cell(value) -> str:
    """The text of a CSV cell: the JSON conventions (ISO dates, decimal point, true/false), formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = jsonable(value)
    if isinstance(value, int | float):
        return str(value)
    return neutralise_formula(str(value))


def iter_csv(records: Iterable, fields: list[Field]) -> Iterator[str]:
    """CSV text (UTF-8, comma, CRLF, header row of field keys), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.key for f in fields])
    for n, record in enumerate(records, 1):
        writer.writerow([csv_cell(f.flat(record)) for f in fields])
        if n % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_cell(sheet, value):
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # openpyxl would otherwise write text starting with "=" as a live formula
    if isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY"
    return cell


def write_xlsx(records: Iterable, fields: list[Field], *, title: str, about: list[tuple[str, str]]):
    """An .xlsx workbook: the data sheet, then an "À propos" sheet (source, licence, columns). Returns a file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    header = []
    for f in fields:
        cell = WriteOnlyCell(sheet, value=f.key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for record in records:
        sheet.append([_xlsx_cell(sheet, f.flat(record)) for f in fields])
    notes = workbook.create_sheet("À propos")
    for label, text in about:
        notes.append([_xlsx_cell(notes, label), _xlsx_cell(notes, text)])
    notes.append([])
    notes.append([_xlsx_cell(notes, "Colonne"), _xlsx_cell(notes, "Description")])
    for f in fields:
        notes.append([_xlsx_cell(notes, f.key), _xlsx_cell(notes, f.description)])
    output = SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned to the caller
    workbook.save(output)
    output.seek(0)
    return output


def feature(actor, fields: list[Field]) -> dict:
    """A GeoJSON Feature of an actor (null geometry when it has no coordinates)."""
    geometry = None
    if actor.latitude is not None and actor.longitude is not None:
        geometry = {"type": "Point", "coordinates": [actor.longitude, actor.latitude]}
    properties = as_json(actor, [f for f in fields if f.key not in ("latitude", "longitude")])
    return {"type": "Feature", "id": actor.slug, "geometry": geometry, "properties": properties}


def iter_geojson(records: Iterable, fields: list[Field], members: dict) -> Iterator[str]:
    """A GeoJSON FeatureCollection (RFC 7946) streamed feature by feature; ``members`` are added on top."""
    head = json.dumps({"type": "FeatureCollection", **jsonable(members)}, ensure_ascii=False)
    yield head[:-1] + ', "features": ['
    for n, record in enumerate(records):
        yield ("," if n else "") + json.dumps(feature(record, fields), ensure_ascii=False)
    yield "]}"

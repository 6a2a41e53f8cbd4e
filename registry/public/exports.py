"""Open-data files written from the data dictionary: CSV (streamed) for programs and « pour Excel », XLSX (string
cells stay strings), GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from tempfile import SpooledTemporaryFile

from flask import Response, request, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from werkzeug.wsgi import wrap_file

from registry.downloads import XLSX_MIMETYPE
from registry.public.fields import Field, as_json, jsonable
from registry.public.table_schema import excel_csv_cell, header, people_value, width
from registry.services.outputs.spreadsheet import finish_sheet, is_formula_like, neutralise_formula, start_sheet

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


def iter_csv(records: Iterable, fields: list[Field], *, excel: bool = False) -> Iterator[str]:
    """CSV text in chunks. For programs: UTF-8, comma, CRLF, header row of field keys. ``excel``: the « CSV pour
    Excel » — a byte order mark, semicolons, French headers, labels, JJ/MM/AAAA dates and decimal commas."""
    buffer = io.StringIO()
    if excel:
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([header(f) for f in fields])
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([f.key for f in fields])
    cell = excel_csv_cell if excel else csv_cell
    for n, record in enumerate(records, 1):
        writer.writerow([cell(f.flat(record)) for f in fields])
        if n % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_cell(sheet, value):
    value = people_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # openpyxl would otherwise write text starting with "=" as a live formula
    if isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def write_xlsx(records: Iterable, fields: list[Field], *, title: str, about: list[tuple[str, str]]):
    """An .xlsx workbook for people: the data sheet (French headers, labels, widths, bold frozen header, filter —
    the house style of registry.services.outputs.spreadsheet), then an "À propos" sheet (source, licence,
    columns). Returns a file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    start_sheet(sheet, [header(f) for f in fields], [width(f) for f in fields])
    rows = 0
    for record in records:
        sheet.append([_xlsx_cell(sheet, f.flat(record)) for f in fields])
        rows += 1
    finish_sheet(sheet, len(fields), rows)
    notes = workbook.create_sheet("À propos")
    start_sheet(notes, ["Information", "Valeur"], [24, 90])
    for label, text in about:
        notes.append([_xlsx_cell(notes, label), _xlsx_cell(notes, text)])
    notes.append([])
    notes.append([_xlsx_cell(notes, "Colonne"), _xlsx_cell(notes, "Description")])
    for f in fields:
        notes.append([_xlsx_cell(notes, header(f)), _xlsx_cell(notes, f"{f.description} (clé : {f.key})")])
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


MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE, "geojson": "application/geo+json"}


def file_response(records: Iterable, fields: list[Field], fmt: str, filename: str, **formats) -> Response:
    """``records`` as a downloaded file: ``fmt`` is csv, excel (« CSV pour Excel »), xlsx (``title`` and ``about`` in
    ``formats``) or geojson (``members``); CSV and GeoJSON are streamed, the workbook is built then sent."""
    if fmt in ("csv", "excel"):
        body = stream_with_context(iter_csv(records, fields, excel=fmt == "excel"))
    elif fmt == "geojson":
        body = stream_with_context(iter_geojson(records, fields, formats["members"]))
    else:
        body = wrap_file(request.environ, write_xlsx(records, fields, title=formats["title"], about=formats["about"]))
    response = Response(body, mimetype=MEDIA_TYPES.get(fmt, MEDIA_TYPES["csv"]), direct_passthrough=fmt == "xlsx")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

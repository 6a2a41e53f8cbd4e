"""Read a GoGoCarto / Carteco export (JSON or CSV, ``map_feed`` describes the format) as the registry's Acteurs
sheet, so a city can start from the points the national ESS map already has, through the same preview and
apply as any workbook.

The export's elements become rows of registry headers (``HEADERS``), planned with ``MAP_ACTORS``: the Acteurs
sheet, read the way an outside source deserves —

- a value the export leaves empty never clears what the registry holds (every column keeps its value);
- a row matches an actor as any import does: its Réf. (only when the element's ``url`` is a page of this
  registry, as in the registry's own feed), else its SIRET, its RNA, its name and postcode; else it is new;
- a new actor is proposed unpublished, for an officer to check before the public sees it; without a legal form
  in the export it is proposed as « Association déclarée », with a warning saying so;
- ``categories`` name the registry's axes and sectors (by label or code); the others are named in a warning and
  left out.
"""

from __future__ import annotations

import dataclasses
import json
import re

from flask import current_app, has_app_context

from registry.models import Axis, Sector
from registry.services.outputs.spreadsheet import FORMULA_TRIGGERS
from registry.workbook import cells
from registry.workbook.reader import RawSheet, WorkbookRejected, too_many_rows
from registry.workbook.sheets.actors import ACTORS
from registry.workbook.spec import Column, header_key

SHEET_NAME = ACTORS.name
SOURCE = "map"
#: GoGoCarto's names of a field (its own aliases first), by registry header.
FIELDS = {
    "Nom*": ("name", "title", "nom"),
    "Forme juridique": ("legalform", "formejuridique", "legal_form"),
    "SIRET": ("siret",),
    "RNA": ("rna",),
    "Catégories": ("categories", "taxonomy"),
    "Quartier": ("quartier",),
    "Adresse": ("streetaddress",),
    "Code postal": ("postalcode",),
    "Commune": ("addresslocality",),
    "Latitude": ("latitude", "lat"),
    "Longitude": ("longitude", "lng", "long", "lon"),
    "Site web": ("website", "site"),
    "Courriel": ("email",),
    "Téléphone": ("telephone", "phone", "tel"),
    "Description": ("description",),
}
HEADERS = ("Réf.", *FIELDS)
#: Fields read but not columns of their own (the page address gives the Réf.; the rest GoGoCarto adds).
KNOWN = {"id", "url", "source", "sourcekey", "geo", "address", "addresscountry", "categoriesfull", "descriptionmore"}
KNOWN |= {"createdat", "updatedat", "status", "moderationstate", "ontology"}
DEFAULT_LEGAL_FORM = "association"


def _key(name) -> str:
    return re.sub(r"[^a-z0-9_]", "", str(name).lower())


def is_map_header(header_row: dict) -> bool:
    """The header row of a GoGoCarto / Carteco CSV export (its flat English field names)."""
    keys = {_key(v) for v in header_row.values() if isinstance(v, str)}
    has_name = bool(keys & {"name", "title"})
    return has_name and bool(keys & {"latitude", "lat", "categories", "taxonomy", "streetaddress", "postalcode"})


def looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _elements(document) -> list:
    if isinstance(document, dict):
        for member in ("data", "features", "elements"):
            if isinstance(document.get(member), list):
                return document[member]
        raise WorkbookRejected(
            "Ce fichier JSON n'est pas un export de carte GoGoCarto : il faut une liste d'éléments, ou un objet "
            "dont le membre « data » est cette liste."
        )
    if isinstance(document, list):
        return document
    raise WorkbookRejected("Ce fichier JSON ne contient aucune liste d'éléments à importer.")


def _flatten(item: dict) -> dict:
    """An element's fields by lower-case name, with ``geo``, ``address`` (and a GeoJSON feature's geometry and
    properties) spread out."""
    if item.get("type") == "Feature" and isinstance(item.get("properties"), dict):
        coordinates = (item.get("geometry") or {}).get("coordinates") or [None, None]
        item = {**item["properties"], "longitude": coordinates[0], "latitude": coordinates[1]}
    fields = {_key(k): v for k, v in item.items()}
    for nested in ("geo", "address"):
        value = fields.get(nested)
        if isinstance(value, dict):
            for key, inner in value.items():
                fields.setdefault(_key(key), inner)
        elif nested == "address" and isinstance(value, str):
            fields.setdefault("streetaddress", value)
    return fields


def _categories(value) -> str | None:
    if isinstance(value, list):
        names = [v.get("name") if isinstance(v, dict) else v for v in value]
        return "; ".join(str(n).strip() for n in names if n is not None and str(n).strip()) or None
    if isinstance(value, str):
        return "; ".join(p.strip() for p in value.split(",") if p.strip()) or None
    return None


def _page_slug(url) -> str | None:
    """The Réf. named by the address of one of this registry's actor pages."""
    if not isinstance(url, str) or not has_app_context():
        return None
    base = current_app.config["BASE_URL"].rstrip("/") + "/acteurs/"
    slug = url[len(base) :].strip("/") if url.startswith(base) else ""
    return slug if re.fullmatch(r"[a-z0-9-]+", slug) else None


def _cell(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_TRIGGERS:
        text = text[1:]  # the apostrophe the registry's CSV puts before formula-like text
    return text if text.strip() else None


def row_of(item: dict, ignored: set[str]) -> dict[int, object]:
    """The cells (by column number of HEADERS) of one element."""
    fields = _flatten(item)
    values = {"Réf.": _page_slug(fields.get("url"))}
    for header, names in FIELDS.items():
        found = next((fields[n] for n in names if fields.get(n) not in (None, "")), None)
        values[header] = _categories(found) if header == "Catégories" else _cell(found)
    if fields.get("descriptionmore") and isinstance(values["Description"], str | None):
        values["Description"] = "\n\n".join(filter(None, [values["Description"], _cell(fields["descriptionmore"])]))
    used = KNOWN | {n for names in FIELDS.values() for n in names}
    ignored.update(k for k, v in fields.items() if k not in used and v not in (None, "", [], {}))
    return {i: values[h] for i, h in enumerate(HEADERS, start=1) if values[h] is not None}


def _sheet(elements, max_rows: int, describe: str) -> tuple[RawSheet, str]:
    if len(elements) > max_rows:
        raise WorkbookRejected(too_many_rows("export de carte", max_rows))
    sheet = RawSheet(SHEET_NAME, source=SOURCE)
    sheet.rows.append((1, dict(enumerate(HEADERS, start=1))))
    ignored: set[str] = set()
    for number, item in elements:
        if not isinstance(item, dict):
            raise WorkbookRejected(f"Élément {number - 1} de l'export : un objet JSON est attendu.")
        sheet.rows.append((number, row_of(item, ignored)))
    detected = f"Export de carte GoGoCarto / Carteco ({describe}), {len(elements)} élément(s)"
    if ignored:
        detected += " ; champs non repris : " + ", ".join(sorted(ignored)[:12])
    return sheet, detected


def read_json(data: bytes, *, max_rows: int) -> tuple[RawSheet, str]:
    """A GoGoCarto JSON export (or the registry's own feed) as the Acteurs sheet: element N is row N + 1."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WorkbookRejected(
            "Ce fichier JSON est mal formé (ou n'est pas en UTF-8) : téléchargez à nouveau l'export de la carte."
        ) from None
    elements = _elements(document)
    return _sheet(list(enumerate(elements, start=2)), max_rows, "JSON, la ligne N du rapport est l'élément N − 1")


def from_csv(sheet: RawSheet, detected: str, max_rows: int) -> tuple[RawSheet, str]:
    """A GoGoCarto CSV export read by ``csv_reader`` (row 1: its field names) as the Acteurs sheet."""
    (_first, header), *rows = sheet.rows
    names = {column: str(name) for column, name in header.items()}
    elements = [(number, {names[c]: v for c, v in cells_.items() if c in names}) for number, cells_ in rows]
    return _sheet(elements, max_rows, detected)


# --- how the rows are planned ------------------------------------------------------------------------------


def _parse_categories(value, refdata):
    text = cells.as_text(value)
    if not text or not text.strip():
        return None
    found = []
    for part in re.split(r"[;\n]+", text):
        item = refdata.axes.find(part) or refdata.sectors.find(part)
        if item is not None and item not in found:
            found.append(item)
    return tuple(found) or None


def _set_categories(actor, items) -> None:
    actor.axes = [i for i in items if isinstance(i, Axis)]
    actor.sectors = [i for i in items if isinstance(i, Sector)]


CATEGORIES = Column(
    "Catégories",
    "categories",
    cells.Kind("reference_many", _parse_categories),
    "Axes et secteurs du registre (libellé ou code).",
    fields=("axes", "sectors"),
    keep_when_empty=True,
    getter=lambda actor: (*actor.axes, *actor.sectors),
    setter=_set_categories,
)


def review(actor, new: bool, raw: dict, refdata) -> list[tuple[str, object, str]]:
    """A new actor is proposed unpublished, with a legal form; categories the registry does not know are named."""
    warnings = []
    if new:
        actor.published = False
        if actor.legal_form is None:
            actor.legal_form = refdata.legal_forms.find(DEFAULT_LEGAL_FORM)
            warnings.append(
                (
                    "Forme juridique",
                    None,
                    f"Forme juridique absente de l'export : « {actor.legal_form} » proposée, à vérifier avant de "
                    "publier la fiche.",
                )
            )
    text = cells.as_text(raw.get("Catégories"))
    unknown = [p.strip() for p in re.split(r"[;\n]+", text or "") if p.strip()]
    unknown = [p for p in unknown if not (refdata.axes.find(p) or refdata.sectors.find(p))]
    if unknown:
        shown = ", ".join(f"« {p} »" for p in unknown)
        warnings.append(("Catégories", text, f"Catégories inconnues du registre, laissées de côté : {shown}."))
    return warnings


def _column(col: Column) -> Column:
    header = "Forme juridique" if header_key(col.header) == header_key("Forme juridique*") else col.header
    return dataclasses.replace(col, header=header, keep_when_empty=True)


_BY_KEY = {header_key(c.header): c for c in ACTORS.columns}
MAP_ACTORS = dataclasses.replace(
    ACTORS,
    columns=tuple(CATEGORIES if header == "Catégories" else _column(_BY_KEY[header_key(header)]) for header in HEADERS),
    review=review,
)

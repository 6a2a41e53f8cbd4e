"""Open data (/donnees/): the published actors, initiatives and loan programmes as CSV, XLSX and GeoJSON.

Route layout::

    /donnees/                               public.open_data    the page: files, columns, licence
    /donnees/<dataset>.<format>             public.download     acteurs | initiatives | prets, csv | xlsx | geojson
    /donnees/<dataset>-excel.csv            public.download_excel  the « CSV pour Excel » (BOM, ;, decimal comma)
    /donnees/<dataset>.schema.json          public.table_schema the Table Schema of the machine CSV
    /donnees/subventions-scdl.csv           public.download_scdl  the SCDL « subventions » 2.1.1 CSV of the
        conventions due of public actors (registry.workbook.scdl; ``?tout=1``: every amount)
    /donnees/subventions-scdl-excel.csv     public.download_scdl_excel  the same « pour Excel »
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response, abort, current_app, render_template, request

from registry.extensions import db
from registry.public import exports
from registry.public import table_schema as schemas
from registry.public.fields import ACTOR_FIELDS, INITIATIVE_FIELDS, PROGRAMME_FIELDS, Field
from registry.public.http import cache_data, data_etag, last_change
from registry.public.views import bp
from registry.services.public import records as public_records
from registry.services.public.publication import count_pending_conventions, publication_threshold
from registry.services.public.stats import dataset_counts
from registry.workbook.scdl import scdl_for_excel, write_scdl_csv


@dataclass(frozen=True)
class Dataset:
    """One downloadable dataset."""

    name: str
    title: str
    summary: str
    fields: list[Field]
    records: Callable
    formats: tuple[str, ...]


DATASETS = {
    "acteurs": Dataset(
        "acteurs",
        "Acteurs de l'ESS",
        "Les organisations de l'économie sociale et solidaire publiées dans le registre, une ligne par acteur. "
        "Les personnes à contacter n'y figurent jamais.",
        ACTOR_FIELDS,
        public_records.iter_public_actors,
        ("csv", "xlsx", "geojson"),
    ),
    "initiatives": Dataset(
        "initiatives",
        "Initiatives",
        "Les projets publiés (régies de quartier, ateliers, chantiers…), avec leur porteur et leurs partenaires "
        "publiés, une ligne par initiative.",
        INITIATIVE_FIELDS,
        public_records.iter_public_initiatives,
        ("csv", "xlsx"),
    ),
    "prets": Dataset(
        "prets",
        "Programmes de prêts bonifiés",
        "Les programmes de prêts bonifiés par la Ville : montants, durées, taux nominal et taux après "
        "bonification, conditions. Aucune donnée sur les emprunteurs.",
        PROGRAMME_FIELDS,
        public_records.iter_public_programmes,
        ("csv", "xlsx"),
    ),
}


def licence() -> dict[str, str]:
    """The open-data licence, from the configuration."""
    return {"name": current_app.config["OPEN_DATA_LICENCE"], "url": current_app.config["OPEN_DATA_LICENCE_URL"]}


@bp.route("/donnees/")
def open_data():
    """The open-data page: each file with its update date, row count, columns, schema and the licence."""
    session = db.session
    return render_template(
        "public/open_data.html",
        datasets=DATASETS.values(),
        counts=dataset_counts(session),
        updated=last_change(session),
        french_header=schemas.header,
        licence=licence(),
        threshold=publication_threshold(),
        scdl_pending=count_pending_conventions(db.session, public_only=True),
    )


def _about(dataset: Dataset) -> list[tuple[str, str]]:
    config = current_app.config
    return [
        ("Jeu de données", dataset.title),
        ("Producteur", config["ORGANISATION_NAME"]),
        ("Licence", f"{config['OPEN_DATA_LICENCE']} — {config['OPEN_DATA_LICENCE_URL']}"),
        ("Extrait le", datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC")),
    ]


@bp.route("/donnees/<any(acteurs, initiatives, prets):dataset>.schema.json")
def table_schema(dataset: str):
    """The Table Schema (frictionless) of a dataset's machine CSV."""
    spec = DATASETS[dataset]
    response = current_app.response_class(
        json.dumps(schemas.table_schema(spec.fields, title=spec.title), ensure_ascii=False, indent=2),
        mimetype="application/schema+json",
    )
    return cache_data(response, last_change(db.session))


@bp.route(
    "/donnees/<any(acteurs, initiatives, prets):dataset>-excel.csv",
    endpoint="download_excel",
    defaults={"fmt": "excel"},
)
@bp.route("/donnees/<any(acteurs, initiatives, prets):dataset>.<any(csv, xlsx, geojson):fmt>")
def download(dataset: str, fmt: str):
    """One file, generated from the published records; 304 when the client already has the current one."""
    spec = DATASETS[dataset]
    if fmt not in (*spec.formats, "excel"):
        abort(404)
    session = db.session
    etag = data_etag(session, dataset, fmt)
    modified = last_change(session)
    if request.if_none_match.contains(etag):
        return _not_modified(etag, modified)
    name = f"{dataset}-ess-lille-excel.csv" if fmt == "excel" else f"{dataset}-ess-lille.{fmt}"
    members = {"name": spec.title, "licence": licence(), "source": current_app.config["ORGANISATION_NAME"]}
    response = exports.file_response(
        spec.records(session), spec.fields, fmt, name, title=spec.title, about=_about(spec), members=members
    )
    response.set_etag(etag)
    return cache_data(response, modified)


def _not_modified(etag: str, modified: datetime) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    return cache_data(response, modified)


@bp.route("/donnees/subventions-scdl-excel.csv", endpoint="download_scdl_excel", defaults={"excel": True})
@bp.route("/donnees/subventions-scdl.csv")
def download_scdl(excel: bool = False):
    """The SCDL « subventions » CSV of the conventions of public actors (by default those the city must publish)."""
    include_all = request.args.get("tout") == "1"
    session = db.session
    etag = data_etag(session, "scdl", "all" if include_all else "published", "excel" if excel else "csv")
    modified = last_change(session)
    if request.if_none_match.contains(etag):
        return _not_modified(etag, modified)
    body = io.BytesIO()
    write_scdl_csv(session, body, include_all=include_all, public_only=True)
    data = scdl_for_excel(body.getvalue()) if excel else body.getvalue()
    response = Response(data, mimetype=exports.MEDIA_TYPES["csv"])
    suffix = ("-toutes" if include_all else "") + ("-excel" if excel else "")
    response.headers["Content-Disposition"] = f'attachment; filename="subventions{suffix}-scdl-lille.csv"'
    response.set_etag(etag)
    return cache_data(response, modified)

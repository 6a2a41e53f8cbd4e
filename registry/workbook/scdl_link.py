"""Who the subsidies of an SCDL file are from and to — one rule, here — before the planner plans its rows.

- The attributor (``idAttribuant``) must be the city (CITY_SIRET): a file of another authority is refused with
  a message naming it, unless the officer explicitly imports it as partnerships of that authority
  (``other_attributor``: the partnership then keeps the authority's name and SIRET).
- The beneficiary is the actor with the file's SIRET, else with its RNA, else the one actor with its name
  (``match_key``: case, accents, punctuation and small words aside) that has no other SIRET or RNA; several
  actors with the name is an error listing them. None: a new actor is proposed (unpublished,
  ``scdl_import.review_actor``); the file's lines naming the same beneficiary share it.
- An existing actor keeps its name; its SIRET and RNA are filled from the file only when it has none.

``expand`` turns the file into the Acteurs sheet (the beneficiaries to create or complete, each named by its
Réf.) and the Partenariats sheet (each line naming its beneficiary by that Réf.), planned like any workbook's.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import current_app, has_app_context

from registry.models import Actor
from registry.services.records.errors import ValidationError
from registry.services.records.slugs import make_slug
from registry.services.reference import normalize as n
from registry.services.reference.matching import match_key
from registry.workbook import scdl_import as scdl
from registry.workbook.reader import RawSheet
from registry.workbook.report import ImportReport
from registry.workbook.spec import recover_siret

#: The City of Lille's SIRET (``../shared/REFERENCE.md``), when no application says otherwise.
CITY_SIRET = "21590350100017"
OPTION_HINT = (
    "cochez « Subventions d'un autre attribuant » en envoyant le fichier (en ligne de commande : --autre-attribuant)"
)


def expand(session, sheets: list, report: ImportReport, *, other_attributor: bool = False) -> list:
    """The sheets to plan: an SCDL file's sheet becomes its Acteurs and Partenariats sheets; others stay."""
    out = []
    for spec, raw in sheets:
        if raw.source == scdl.SOURCE:
            out.extend(_expand(session, raw, report, other_attributor))
        else:
            out.append((spec, raw))
    return out


class _Line:
    def __init__(self, number: int, values: dict, found: dict):
        self.number = number
        self.cells = {f: values.get(column) for f, (column, _h) in found.items()}
        self.headers = {f: h for f, (_c, h) in found.items()}

    def text(self, field: str) -> str | None:
        return n.clean_text(scdl.cells.as_text(self.cells.get(field)))

    def header(self, field: str) -> str:
        return self.headers.get(field, field)


class _Problems(Exception):
    def __init__(self, field: str, value, message: str):
        self.field, self.value, self.message = field, value, message


def _identifier(line: _Line, field: str, parse, report: ImportReport) -> str | None:
    raw = line.cells.get(field)
    try:
        value = parse(raw)
    except ValidationError as exc:
        raise _Problems(field, raw, exc.message) from None
    if value and str(raw).strip().replace(" ", "") != value:
        report.warning(scdl.SHEET_NAME, line.number, line.header(field), raw, f"Identifiant relu : « {value} ».")
    return value


class Beneficiaries:
    """The registry's actors by SIRET, RNA and name, and the new ones the file proposes."""

    def __init__(self, session):
        query = sa.select(Actor.id, Actor.slug, Actor.name, Actor.siret, Actor.rna)
        self.rows = {r.id: r for r in session.execute(query)}
        self.slugs = {r.slug for r in self.rows.values()}
        self.by_siret = {r.siret: r.id for r in self.rows.values() if r.siret}
        self.by_rna = {r.rna: r.id for r in self.rows.values() if r.rna}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for r in self.rows.values():
            self.by_name[match_key(r.name)].append(r.id)
        self.new: dict[tuple, dict] = {}
        self.fills: dict[int, dict] = {}

    def find(self, line: _Line, siret, rna, name, report: ImportReport) -> str:
        """The Réf. of the line's beneficiary; an existing one is completed, a new one proposed."""
        actor_id = self.by_siret.get(siret) if siret else None
        if actor_id is None and rna:
            actor_id = self.by_rna.get(rna)
        if actor_id is None and name:
            actor_id = self._by_name(line, siret, rna, name, report)
        if actor_id is not None:
            self._fill(line, actor_id, siret, rna, report)
            return self.rows[actor_id].slug
        return self._new(line, siret, rna, name)

    def _by_name(self, line, siret, rna, name, report) -> int | None:
        found = [self.rows[i] for i in self.by_name.get(match_key(name), ())]
        fitting = [r for r in found if _same_or_none(r.siret, siret) and _same_or_none(r.rna, rna)]
        if len(fitting) > 1:
            shown = ", ".join(f"« {r.name} » (réf. {r.slug})" for r in fitting)
            raise _Problems(
                "nomBeneficiaire",
                name,
                f"Plusieurs acteurs du registre portent ce nom : {shown}. Indiquez le SIRET ou le RNA du bénéficiaire.",
            )
        if not fitting and found:
            other = found[0]
            report.warning(
                scdl.SHEET_NAME,
                line.number,
                line.header("nomBeneficiaire"),
                name,
                f"L'acteur « {other.name} » (réf. {other.slug}) porte ce nom avec un autre identifiant : un nouvel "
                "acteur est proposé.",
            )
        return fitting[0].id if fitting else None

    def _fill(self, line, actor_id: int, siret, rna, report) -> None:
        row = self.rows[actor_id]
        fill = self.fills.setdefault(actor_id, {"row": line.number, "slug": row.slug})
        given = (("siret", siret, "idBeneficiaire", self.by_siret), ("rna", rna, "rnaBeneficiaire", self.by_rna))
        for attr, value, field, owners in given:
            current = getattr(row, attr)
            if not value or current == value:
                continue
            if current or owners.get(value, actor_id) != actor_id:
                report.warning(
                    scdl.SHEET_NAME,
                    line.number,
                    line.header(field),
                    value,
                    f"Le bénéficiaire a été reconnu comme « {row.name} » (réf. {row.slug}), dont l'identifiant "
                    "diffère : celui du fichier n'est pas repris.",
                )
            else:
                fill.setdefault(attr, value)

    def _new(self, line, siret, rna, name) -> str:
        keys = [k for k in (("siret", siret), ("rna", rna), ("name", match_key(name) if name else None)) if k[1]]
        entry = next((self.new[k] for k in keys if k in self.new), None)
        if entry is None:
            if not name:
                message = "Nom du bénéficiaire absent, et aucun acteur du registre n'a cet identifiant."
                raise _Problems("nomBeneficiaire", None, message)
            slug, count = make_slug(name), 2
            base = slug
            while slug in self.slugs:
                slug, count = f"{base}-{count}", count + 1
            self.slugs.add(slug)
            entry = {"row": line.number, "slug": slug, "name": name}
        for attr, value in (("siret", siret), ("rna", rna)):
            if value:
                entry.setdefault(attr, value)
        for k in keys:
            self.new.setdefault(k, entry)
        return entry["slug"]


def _same_or_none(held, given) -> bool:
    """An actor's identifier does not contradict the file's."""
    return not (held and given and held != given)


def _city_siret() -> str:
    return current_app.config.get("CITY_SIRET") or CITY_SIRET if has_app_context() else CITY_SIRET


def _attributor(line: _Line, other: bool, foreign: dict, report) -> tuple[str | None, str | None] | None:
    """(name, SIRET) to keep on the partnership (none for the city's own); None when the line is refused."""
    siret = _identifier(line, "idAttribuant", recover_siret, report)
    if not siret:
        raise _Problems("idAttribuant", None, "SIRET de l'attribuant absent : il est obligatoire dans un fichier SCDL.")
    if siret == _city_siret():
        return None, None
    name = line.text("nomAttribuant") or siret
    if other:
        return name, siret
    foreign.setdefault(siret, [name, []])[1].append(line)
    return None


def _expand(session, raw: RawSheet, report: ImportReport, other_attributor: bool) -> list:
    (_first, header), *rows = raw.rows
    found = scdl.columns_of(header)
    known = {h for _c, h in found.values()}
    for value in header.values():
        if str(value).strip() not in known:
            report.warning(scdl.SHEET_NAME, 1, str(value), "", "Colonne inconnue : elle est ignorée.")
    actors_spec, partnerships_spec, wanted = scdl.specs(found)
    beneficiaries, foreign = Beneficiaries(session), {}
    part_rows = []
    for number, values in rows:
        line = _Line(number, values, found)
        try:
            attributor = _attributor(line, other_attributor, foreign, report)
            siret = _identifier(line, "idBeneficiaire", recover_siret, report)
            rna = _identifier(line, "rnaBeneficiaire", n.normalize_rna, report)
            slug = beneficiaries.find(line, siret, rna, line.text("nomBeneficiaire"), report)
        except _Problems as problem:
            report.error(scdl.SHEET_NAME, number, line.header(problem.field), problem.value, problem.message)
            report.count(scdl.SHEET_NAME).errors += 1
            continue
        if attributor is None:
            continue
        given = {"nomBeneficiaire": slug, "nomAttribuant": attributor[0], "idAttribuant": attributor[1]}
        cells = {i: given[f] if f in given else line.cells.get(f) for i, f in enumerate(wanted, start=1)}
        part_rows.append((number, {i: v for i, v in cells.items() if v not in (None, "")}))
    for siret, (name, lines) in foreign.items():
        first = lines[0]
        report.error(
            scdl.SHEET_NAME,
            first.number,
            first.header("idAttribuant"),
            siret,
            f"Ce fichier est celui d'un autre attribuant que la Ville : « {name} » (SIRET {n.format_siret(siret)}), "
            f"sur {len(lines)} ligne(s), la première étant la ligne {first.number}. Rien n'est importé ; pour "
            f"enregistrer ces subventions comme partenariats de cet attribuant, {OPTION_HINT}.",
        )
        report.count(scdl.SHEET_NAME).errors += len(lines)
    actor_headers = dict(enumerate(actors_spec.headers, start=1))
    actor_rows = []
    for entry in [*beneficiaries.fills.values(), *{id(e): e for e in beneficiaries.new.values()}.values()]:
        cells = {1: entry["slug"], 2: entry.get("name"), 3: entry.get("siret"), 4: entry.get("rna")}
        if len(entry) > 2:  # something to create or fill besides the row number and the Réf.
            actor_rows.append((entry["row"], {i: v for i, v in cells.items() if v}))
    actors = RawSheet(actors_spec.name, [(1, actor_headers), *sorted(actor_rows, key=lambda r: r[0])])
    partnerships = RawSheet(scdl.SHEET_NAME, [(1, dict(enumerate(wanted.values(), start=1))), *part_rows])
    return [(actors_spec, actors), (partnerships_spec, partnerships)]

"""Read an SCDL « subventions » file (2.1.1, ``../shared/REFERENCE.md``, or the older column set still found in
published files) as the registry's Acteurs and Partenariats sheets, through the same preview, all-or-nothing
apply and audit as any workbook (the model is ``map_import``: an outside source).

- Headers: the schema's names (``nomBeneficiaire``…) in any case, or the older ones (``ATTRIB_NOM``…,
  ``COLL`` the attributor, ``ATTRIB`` the beneficiary); the report names a column as the file does.
- Cells as people and spreadsheets write them: amounts with a decimal comma or point and spaces, dates ISO,
  ``jj/mm/aaaa`` or ``aaaa/mm/jj``, a payment period ``début/fin`` or ``début_fin``, the nature and payment
  terms in any agreement (« échelonnée ») — a payment term the registry does not know is read as « Autre »,
  with a warning; SIRETs a spreadsheet mangled are recovered when all their digits are there
  (``spec.recover_siret``).
- A value the file leaves empty never clears what the registry holds; existing actors keep their name.
- The beneficiary (SIRET, then RNA, then name) and the attributor are the rule of ``scdl_link``.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from registry.models import PartnershipKind, PartnershipNature, PartnershipStatus, PaymentTerms
from registry.services.records.errors import ValidationError
from registry.services.reference import normalize as n
from registry.workbook import cells
from registry.workbook.reader import RawSheet, WorkbookRejected
from registry.workbook.sheets.actors import ACTORS
from registry.workbook.sheets.partnerships import PARTNERSHIP_KEYS, PARTNERSHIPS, _actor_and
from registry.workbook.spec import Column, NaturalKey, recover_siret

SOURCE = "scdl"
SHEET_NAME = PARTNERSHIPS.name
#: The file's fields (SCDL 2.1.1 names) and the header keys that name them (lower case, letters and digits).
FIELDS = {
    "nomAttribuant": ("nomattribuant", "collnom"),
    "idAttribuant": ("idattribuant", "collsiret"),
    "dateConvention": ("dateconvention", "actedate"),
    "referenceDecision": ("referencedecision", "acteref"),
    "nomBeneficiaire": ("nombeneficiaire", "attribnom"),
    "idBeneficiaire": ("idbeneficiaire", "attribsiret"),
    "rnaBeneficiaire": ("rnabeneficiaire", "attribrna"),
    "objet": ("objet", "subobjet"),
    "montant": ("montant", "submontant"),
    "nature": ("nature", "subnature"),
    "conditionsVersement": ("conditionsversement", "subversement"),
    "datesPeriodeVersement": ("datesperiodeversement",),
    "dateDebut": ("subdatedebut",),
    "dateFin": ("subdatefin",),
    "notificationUE": ("notificationue", "notifeu", "notifue"),
    "pourcentageSubvention": ("pourcentagesubvention", "subpourcentage"),
    "idRAE": ("idrae",),
    "dispositifAide": ("dispositifaide", "subdispositif"),
}
BY_KEY = {key: name for name, keys in FIELDS.items() for key in keys}
REQUIRED = ("idAttribuant", "nomBeneficiaire", "objet")
#: Read but not kept: the registry has no field for them.
NOT_KEPT = ("idRAE", "dispositifAide")
OLDER = {"idAttribuant": "COLL_SIRET", "nomBeneficiaire": "ATTRIB_NOM", "objet": "SUB_OBJET"}
DEFAULT_LEGAL_FORM = "association"


def _key(text) -> str:
    return re.sub(r"[^a-z0-9]", "", n.fold(str(text)).replace(" ", ""))


def columns_of(header_row: dict) -> dict[str, tuple[int, str]]:
    """{field: (column number, header as the file writes it)}, the first column of a field winning."""
    found: dict[str, tuple[int, str]] = {}
    for column, value in sorted(header_row.items()):
        name = BY_KEY.get(_key(value)) if isinstance(value, str) else None
        if name and name not in found:
            found[name] = (column, value.strip())
    return found


def is_scdl_header(header_row: dict) -> bool:
    """The header row of an SCDL « subventions » file (either column set)."""
    found = columns_of(header_row)
    return "nomBeneficiaire" in found and bool({"idAttribuant", "montant", "objet"} & found.keys())


def from_csv(sheet: RawSheet, detected: str) -> tuple[RawSheet, str]:
    """An SCDL CSV read by ``csv_reader`` (row 1: its headers), checked for its required columns; planned by
    ``scdl_link.expand``."""
    (first, header), *_rows = sheet.rows
    found = columns_of(header)
    missing = [f"{f} (ou {OLDER[f]})" for f in REQUIRED if f not in found]
    if first != 1 or missing:
        raise WorkbookRejected(
            "Fichier SCDL « subventions », ligne 1 : colonne(s) obligatoire(s) absente(s) : " + ", ".join(missing)
            if missing
            else "Fichier SCDL « subventions » : les en-têtes doivent être sur la ligne 1."
        )
    family = "SCDL 2.1.1" if _key(found["nomBeneficiaire"][1]) == "nombeneficiaire" else "ancien format SCDL"
    sheet = RawSheet(SHEET_NAME, sheet.rows, source=SOURCE)
    return sheet, f"Fichier de subventions ({family}) ; {detected}, {len(sheet.rows) - 1} ligne(s)"


# --- cells as people write them ----------------------------------------------------------------------------

_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DATES = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{4}/\d{1,2}/\d{1,2}")


def parse_date(value):
    """ISO, jj/mm/aaaa or aaaa/mm/jj."""
    text = cells.as_text(value)
    if text and (m := _YMD_SLASH.match(text.strip())):
        value = f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    return n.parse_date(value)


@dataclasses.dataclass(frozen=True)
class Period:
    """The payment period (``datesPeriodeVersement``): a start date, and an end date when there is one."""

    start: object
    end: object = None

    def __str__(self) -> str:
        return n.format_date(self.start) + (f" au {n.format_date(self.end)}" if self.end else "")


def parse_period(value, _refdata=None) -> Period | None:
    text = cells.as_text(value)
    if text is None or not text.strip():
        return None
    found = _DATES.findall(text)
    rest = _DATES.sub("", text).strip(" /_-;,àau")
    if not 1 <= len(found) <= 2 or rest:
        raise ValidationError(
            f"Période de versement invalide « {text} » : attendu une date ou « début/fin » "
            "(2025-01-15/2025-12-31, 15/01/2025_31/12/2025)."
        )
    dates = sorted(parse_date(d) for d in found)  # a period written end first is read the right way round
    return Period(dates[0], dates[1] if len(dates) == 2 else None)


def parse_nature(value, _refdata=None) -> PartnershipNature | None:
    text = n.fold(cells.as_text(value))
    if not text:
        return None
    parts = [p for p in re.split(r"[;,/+]| et ", text) if p.strip()]
    cash = any("numeraire" in p or "financ" in p or "argent" in p or "especes" in p for p in parts)
    in_kind = any("nature" in p or "valorisation" in p for p in parts)
    if cash and in_kind:
        return PartnershipNature.MIXED
    if cash or in_kind:
        return PartnershipNature.CASH if cash else PartnershipNature.IN_KIND
    raise ValidationError(
        f"Nature inconnue « {value} » : attendu « aide en numéraire », « aide en nature » ou les deux séparés par "
        "« ; »."
    )


def parse_payment(value, _refdata=None) -> PaymentTerms | None:
    """« unique », « échelonné » in any agreement; anything else (« aux frais réels », « autre… ») is « Autre »."""
    text = n.fold(cells.as_text(value))
    if not text:
        return None
    if re.search(r"\b(unique|une fois|en 1 fois)\b", text):
        return PaymentTerms.SINGLE
    if re.search(r"echelonn|fractionn|plusieurs|acompte|tranche", text):
        return PaymentTerms.INSTALMENTS
    return PaymentTerms.OTHER


def parse_share(value, _refdata=None) -> Decimal | None:
    """0.01 to 1 (1 = 100 %); « 50 % » and 50 read as 0.5."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = n.parse_decimal(value, places=4, minimum=None)
    if (isinstance(value, str) and "%" in value) or number > 1:
        number = (number / 100).quantize(Decimal("0.0001"))
    if not Decimal("0") < number <= 1:
        raise ValidationError(f"Pourcentage invalide « {value} » : attendu entre 0,01 et 1 (ou entre 1 % et 100 %).")
    return number


def _period_set(p, value) -> None:
    p.start_date, p.end_date = (value.start, value.end) if value is not None else (None, None)


def _period_get(p) -> Period | None:
    return Period(p.start_date, p.end_date) if p.start_date else None


# --- the two sheets, with the file's headers ---------------------------------------------------------------

ACTOR_HEADERS = {"slug": "Réf.", "name": "nomBeneficiaire", "siret": "idBeneficiaire", "rna": "rnaBeneficiaire"}
_ACTOR = {c.attr: c for c in ACTORS.columns}
_PART = {c.attr: c for c in PARTNERSHIPS.columns}


def _text(header: str, attr: str, length: int) -> Column:
    return Column(header, attr, cells.text(length), keep_when_empty=True)


def _kept(header: str, attr: str, name: str, parse) -> Column:
    """A column whose empty cell keeps the registry's value."""
    return Column(header, attr, cells.Kind(name, lambda v, _r: parse(v)), keep_when_empty=True)


#: The partnership columns: {file field: (attribute, the registry's column or a builder from the header)}.
PARTNERSHIP_FIELDS = {
    "nomBeneficiaire": lambda h: dataclasses.replace(_PART["actor"], header=h),
    "nomAttribuant": lambda h: _text(h, "attributor_name", 200),
    "idAttribuant": lambda h: Column(h, "attributor_siret", cells.normalized(recover_siret), keep_when_empty=True),
    "dateConvention": lambda h: Column(h, "convention_date", cells.Kind("date", lambda v, _r: parse_date(v))),
    "referenceDecision": lambda h: dataclasses.replace(_PART["decision_reference"], header=h),
    "objet": lambda h: dataclasses.replace(_PART["object"], header=h),
    "montant": lambda h: dataclasses.replace(_PART["amount"], header=h),
    "nature": lambda h: Column(h, "nature", cells.Kind("enum", parse_nature), keep_when_empty=True),
    "conditionsVersement": lambda h: _kept(h, "payment_terms", "enum", parse_payment),
    "datesPeriodeVersement": lambda h: Column(
        h,
        "period",
        cells.Kind("period", parse_period),
        fields=("start_date", "end_date"),
        keep_when_empty=True,
        getter=_period_get,
        setter=_period_set,
    ),
    "dateDebut": lambda h: _kept(h, "start_date", "date", parse_date),
    "dateFin": lambda h: _kept(h, "end_date", "date", parse_date),
    "notificationUE": lambda h: Column(h, "eu_notification", cells.BOOL, keep_when_empty=True),
    "pourcentageSubvention": lambda h: _kept(h, "subsidy_share", "rate", parse_share),
}


def _start_of(p: dict) -> dict:
    period = p.get("period")
    return {**p, "start_date": period.start} if period is not None else p


def review_partnership(p, new: bool, raw: dict, _refdata) -> list[tuple[str, object, str]]:
    """A new partnership is a signed subsidy: of operation when its object says so, else of project."""
    if new:
        if p.kind is None:
            operating = "fonctionnement" in n.fold(p.object)
            p.kind = PartnershipKind.OPERATING_SUBSIDY if operating else PartnershipKind.PROJECT_SUBSIDY
        p.status = PartnershipStatus.SIGNED if p.convention_date else PartnershipStatus.DRAFT
    warnings = []
    for header, value in raw.items():
        text, field = cells.as_text(value), header_field(header)
        other = field == "conditionsVersement" and text and n.fold(text) not in ("autre", "autres")
        if other and parse_payment(text) is PaymentTerms.OTHER:
            warnings.append((header, text, f"Conditions de versement « {text} » lues comme « Autre »."))
        if text and field == "datesPeriodeVersement":
            try:
                dates = [parse_date(d) for d in _DATES.findall(text)]
            except ValidationError:
                continue  # the column's error says why
            if len(dates) == 2 and dates[0] > dates[1]:
                shown = Period(dates[1], dates[0])
                warnings.append((header, text, f"Période écrite fin avant début : lue du {shown}."))
    return warnings


def header_field(header: str) -> str | None:
    return BY_KEY.get(_key(header))


def review_actor(actor, new: bool, raw: dict, refdata) -> list[tuple[str, object, str]]:
    """A new beneficiary is proposed unpublished, as an association until an officer says otherwise."""
    if not new:
        return []
    actor.published = False
    if actor.legal_form is None:
        actor.legal_form = refdata.legal_forms.find(DEFAULT_LEGAL_FORM)
        header = next((h for h in raw if header_field(h) == "nomBeneficiaire"), ACTOR_HEADERS["name"])
        return [
            (
                header,
                actor.name,
                f"Nouveau bénéficiaire, proposé non publié ; forme juridique absente du fichier SCDL : « "
                f"{actor.legal_form} » proposée, à vérifier avant de publier la fiche.",
            )
        ]
    return []


def specs(found: dict[str, tuple[int, str]]):
    """(Acteurs spec, Partenariats spec, {field: header}) for a file with these columns."""
    headers = {f: h for f, (_c, h) in found.items()}
    actor_columns = tuple(
        dataclasses.replace(_ACTOR[attr], header=headers.get(header, header), keep_when_empty=True)
        for attr, header in ACTOR_HEADERS.items()
    )
    actors = dataclasses.replace(
        ACTORS,
        columns=actor_columns,
        ref_index=dataclasses.replace(ACTORS.ref_index, natural=()),
        review=review_actor,
    )
    wanted = {f: headers.get(f, f) for f in PARTNERSHIP_FIELDS if f in headers or f in ("nomAttribuant",)}
    columns = tuple(PARTNERSHIP_FIELDS[f](h) for f, h in wanted.items())
    decision, obj = wanted.get("referenceDecision", wanted["objet"]), wanted["objet"]
    by_decision, by_object = PARTNERSHIP_KEYS
    natural = (
        dataclasses.replace(by_decision, header=decision),
        NaturalKey(by_object.what, obj, lambda p: _actor_and(_start_of(p), "object", "start_date"), by_object.keys),
    )
    partnerships = dataclasses.replace(
        PARTNERSHIPS,
        columns=columns,
        ref_index=dataclasses.replace(PARTNERSHIPS.ref_index, natural=natural),
        review=review_partnership,
    )
    return actors, partnerships, wanted

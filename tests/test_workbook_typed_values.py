"""Enumerated values as people type them (registry/workbook/typed.py): agreement, left-out words, synonyms;
an ambiguous value is an error listing the candidates; the template's Notice lists the accepted forms."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from registry.models import (
    ActorStatus,
    InitiativeStatus,
    Partnership,
    PartnershipKind,
    PartnershipNature,
    PartnershipStatus,
    PaymentTerms,
    ProgrammeStatus,
    SiaeType,
)
from registry.services.records.errors import ValidationError
from registry.workbook.exporter import write_template
from registry.workbook.sheets import actors, initiatives, loans, partnerships
from registry.workbook.typed import forms, match_typed
from tests.workbook_helpers import load_demo, run, xlsx

#: Every enumeration a sheet reads, with the synonyms kept beside its spec.
ENUMS = [
    (ActorStatus, actors.STATUS_SYNONYMS),
    (SiaeType, None),
    (InitiativeStatus, initiatives.STATUS_SYNONYMS),
    (ProgrammeStatus, loans.STATUS_SYNONYMS),
    (PartnershipKind, partnerships.KIND_SYNONYMS),
    (PartnershipNature, partnerships.NATURE_SYNONYMS),
    (PaymentTerms, partnerships.PAYMENT_SYNONYMS),
    (PartnershipStatus, partnerships.STATUS_SYNONYMS),
]


@pytest.mark.parametrize(("enum_cls", "synonyms"), ENUMS, ids=[e.__name__ for e, _s in ENUMS])
def test_every_accepted_form_names_one_member(enum_cls, synonyms):
    for form, members in forms(enum_cls, synonyms).items():
        assert len(members) == 1, (form, members)
    for member in enum_cls:
        assert match_typed(enum_cls, member.label, "x", synonyms) is member
        assert match_typed(enum_cls, member.label.upper(), "x", synonyms) is member
    for text, value in (synonyms or {}).items():
        assert match_typed(enum_cls, text, "x", synonyms) is enum_cls(value)


@pytest.mark.parametrize(
    ("enum_cls", "synonyms", "typed", "expected"),
    [
        (PartnershipStatus, partnerships.STATUS_SYNONYMS, "signée", PartnershipStatus.SIGNED),
        (PartnershipStatus, partnerships.STATUS_SYNONYMS, "Signées", PartnershipStatus.SIGNED),
        (PartnershipStatus, partnerships.STATUS_SYNONYMS, "Terminée", PartnershipStatus.ENDED),
        (PartnershipStatus, partnerships.STATUS_SYNONYMS, "annulée", PartnershipStatus.CANCELLED),
        (PartnershipStatus, partnerships.STATUS_SYNONYMS, "Convention  SIGNÉE", PartnershipStatus.SIGNED),
        (PartnershipStatus, partnerships.STATUS_SYNONYMS, "en cours d’exécution", PartnershipStatus.ACTIVE),
        (PartnershipNature, partnerships.NATURE_SYNONYMS, "nature", PartnershipNature.IN_KIND),
        (PartnershipNature, partnerships.NATURE_SYNONYMS, "numéraire", PartnershipNature.CASH),
        (PartnershipNature, partnerships.NATURE_SYNONYMS, "numeraire + nature", PartnershipNature.MIXED),
        (ActorStatus, actors.STATUS_SYNONYMS, "active", ActorStatus.ACTIVE),
        (ActorStatus, actors.STATUS_SYNONYMS, "actifs", ActorStatus.ACTIVE),
        (ActorStatus, actors.STATUS_SYNONYMS, "Inactive", ActorStatus.INACTIVE),
        (InitiativeStatus, initiatives.STATUS_SYNONYMS, "terminé", InitiativeStatus.COMPLETED),
        (ProgrammeStatus, loans.STATUS_SYNONYMS, "close", ProgrammeStatus.CLOSED),
        (PartnershipKind, partnerships.KIND_SYNONYMS, "projet", PartnershipKind.PROJECT_SUBSIDY),
        (SiaeType, None, "entreprise d'insertion", SiaeType.EI),
        (SiaeType, None, "aci", SiaeType.ACI),
    ],
)
def test_values_as_people_type_them(enum_cls, synonyms, typed, expected):
    assert match_typed(enum_cls, typed, "x", synonyms) is expected


def test_an_ambiguous_value_lists_the_candidates():
    with pytest.raises(ValidationError) as exc:
        match_typed(PartnershipKind, "subvention", "Type de partenariat", partnerships.KIND_SYNONYMS)
    assert exc.value.message == (
        "Valeur ambiguë « subvention » (Type de partenariat) : il peut s'agir de « Subvention de fonctionnement », "
        "« Subvention de projet ». Écrivez la valeur voulue en entier."
    )
    with pytest.raises(ValidationError, match="inconnu"):
        match_typed(PartnershipStatus, "peut-être", "Statut", partnerships.STATUS_SYNONYMS)


def test_an_import_reads_typed_values_and_refuses_ambiguous_ones(session):
    load_demo(session)
    header = ["Réf.", "Acteur*", "Type*", "Objet*", "Nature", "Versement", "Statut"]
    good = ["PART-T-1", "regie-de-quartier-de-fives", "projet", "Fête", "nature", "en une fois", "signées"]
    report = run(session, xlsx({"Partenariats": [header, good]}))
    assert report.ok and report.applied, report.to_text()
    made = session.scalar(sa.select(Partnership).where(Partnership.ref == "PART-T-1"))
    assert (made.kind, made.nature, made.payment_terms, made.status) == (
        PartnershipKind.PROJECT_SUBSIDY,
        PartnershipNature.IN_KIND,
        PaymentTerms.SINGLE,
        PartnershipStatus.SIGNED,
    )
    bad = ["PART-T-2", "regie-de-quartier-de-fives", "Subvention", "Fête", "nature", "", ""]
    report = run(session, xlsx({"Partenariats": [header, bad]}), dry_run=True)
    [error] = [e for e in report.errors if "ambiguë" in e.message]
    assert (error.sheet, error.row, error.column, error.value) == ("Partenariats", 2, "Type*", "Subvention")
    assert "« Subvention de fonctionnement », « Subvention de projet »" in error.message


def test_the_template_notice_lists_the_accepted_forms(session):
    out = io.BytesIO()
    write_template(session, out)
    notice = load_workbook(io.BytesIO(out.getvalue()))["Notice"]
    text = "\n".join(str(c.value) for row in notice.iter_rows() for c in row if c.value)
    assert "Signé (aussi : convention signée, notifié)" in text
    assert "En nature (aussi : aide en nature, valorisation)" in text
    assert "« signée », « signées »" in text

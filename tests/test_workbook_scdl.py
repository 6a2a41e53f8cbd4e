"""SCDL « subventions » 2.1.1 CSV: exact header, formats, threshold, validated against the official schema."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from registry.models import PartnershipKind, PartnershipNature, PartnershipStatus, PaymentTerms
from registry.workbook.scdl import HEADER, write_scdl_csv
from tests.factories import luhn_siret, make_actor, make_partnership
from tests.workbook_helpers import load_demo

SCDL_DIR = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "scdl"
SCHEMA_PATH = next(
    (p / "subventions-2.1.1.schema.json" for p in (SCDL_DIR, Path("/work/shared/scdl")) if p.exists()), None
)


@pytest.fixture(autouse=True)
def _app_context(app):
    """The SCDL writer reads the city's name and SIRET from the configuration."""
    with app.app_context():
        yield


def scdl(session, **kwargs) -> tuple[bytes, int]:
    out = io.BytesIO()
    count = write_scdl_csv(session, out, **kwargs)
    return out.getvalue(), count


def rows_of(raw: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


@pytest.fixture
def schema():
    if SCHEMA_PATH is None:
        pytest.skip("schéma SCDL absent")
    return json.loads(SCHEMA_PATH.read_text())


def test_scdl_header_encoding_and_line_ends(session, schema):
    load_demo(session)
    raw, count = scdl(session)
    assert count > 0
    assert raw.split(b"\r\n")[0].decode() == ",".join(f["name"] for f in schema["fields"]) == ",".join(HEADER)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")


def test_scdl_every_column_matches_the_schema(session, schema):
    load_demo(session)
    a = make_actor(session, name='Association "Guillemets", virgules', siret=None, rna="w595012345")
    make_partnership(
        session,
        a,
        amount=Decimal("47800.20"),
        nature=PartnershipNature.MIXED,
        payment_terms=PaymentTerms.SINGLE,
        status=PartnershipStatus.SIGNED,
        subsidy_share=Decimal("0.5"),
        eu_notification=True,
        object="x" * 256,
    )
    session.commit()
    rows = rows_of(scdl(session, include_all=True)[0])
    assert len(rows) > 20
    for row in rows:
        for field in schema["fields"]:
            value, rules = row[field["name"]], field.get("constraints", {})
            if rules.get("required"):
                assert value != "", field["name"]
            if not value:
                continue
            if "pattern" in rules:
                assert re.fullmatch(rules["pattern"], value), (field["name"], value)
            if "enum" in rules:
                assert value in rules["enum"], (field["name"], value)
            if "maxLength" in rules:
                assert len(value) <= rules["maxLength"]
            if field["type"] == "date":
                date.fromisoformat(value)
            if field["type"] == "number":
                number = float(value)
                assert re.fullmatch(r"\d+(\.\d+)?", value)
                assert rules.get("minimum", number) <= number <= rules.get("maximum", number)
            if field["type"] == "boolean":
                assert value in ("oui", "non")
        assert row["idBeneficiaire"] or row["rnaBeneficiaire"]
        assert row["idAttribuant"] == "21590350100017" and row["nomAttribuant"] == "Ville de Lille"
    special = next(r for r in rows if r["nomBeneficiaire"].startswith("Association"))
    assert special["montant"] == "47800.2" and special["nature"] == "aide en numéraire;aide en nature"
    assert special["rnaBeneficiaire"] == "W595012345" and special["pourcentageSubvention"] == "0.5"
    assert special["notificationUE"] == "oui" and special["conditionsVersement"] == "unique"


def test_scdl_validates_with_frictionless(session, schema, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    load_demo(session)
    path = tmp_path / "subventions.csv"
    path.write_bytes(scdl(session, include_all=True)[0])
    resource = frictionless.Resource(
        path=path.name,
        basepath=str(tmp_path),
        schema=frictionless.Schema.from_descriptor(schema),
    )
    report = frictionless.validate(resource)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_scdl_default_is_the_conventions_the_city_must_publish(session):
    a = make_actor(session, siret=luhn_siret())
    make_partnership(session, a, ref="P-ABOVE", amount=Decimal("23000.01"), status=PartnershipStatus.ACTIVE)
    make_partnership(session, a, ref="P-EQUAL", amount=Decimal("23000"), status=PartnershipStatus.ACTIVE)
    make_partnership(session, a, ref="P-DRAFT", amount=Decimal("90000"), status=PartnershipStatus.DRAFT)
    make_partnership(
        session,
        a,
        ref="P-MARKET",
        amount=Decimal("90000"),
        status=PartnershipStatus.SIGNED,
        kind=PartnershipKind.RESERVED_CONTRACT,
    )
    make_partnership(
        session, a, ref="P-SMALL", amount=Decimal("5000"), status=PartnershipStatus.ENDED, object="Petite subvention"
    )
    session.commit()
    raw, count = scdl(session)
    assert count == 1 and rows_of(raw)[0]["montant"] == "23000.01"
    raw, count = scdl(session, include_all=True)
    assert count == 3 and {r["montant"] for r in rows_of(raw)} == {"23000.01", "23000", "5000"}


def test_scdl_writes_to_a_text_file(session, tmp_path):
    a = make_actor(session, siret=luhn_siret())
    make_partnership(
        session,
        a,
        amount=Decimal("30000"),
        status=PartnershipStatus.SIGNED,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
    )
    session.commit()
    path = tmp_path / "s.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        assert write_scdl_csv(session, f) == 1
    row = rows_of(path.read_bytes())[0]
    assert row["datesPeriodeVersement"] == "2025-01-01/2025-12-31" and row["dateConvention"] == "2025-03-01"

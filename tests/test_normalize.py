"""Validators and normalisers against the edge cases of REFERENCE.md."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from registry.services.records.errors import ValidationError
from registry.services.reference import normalize as n

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("21590350100017", "21590350100017"),  # City of Lille
        ("35600000009075", "35600000009075"),  # La Poste: Luhn fails, digit sum divisible by 5
        ("35600000049837", "35600000049837"),
        (73282932000074, "73282932000074"),  # a number cell
        ("", None),
        (None, None),
    ],
)
def test_siret_valid(raw, expected):
    assert n.normalize_siret(raw) == expected


@pytest.mark.parametrize("raw", ["73282932000075", "35600000049838", "7328293200007", "7328293200007A", "123"])
def test_siret_invalid(raw):
    with pytest.raises(ValidationError, match="SIRET invalide"):
        n.normalize_siret(raw)


def test_siret_format():
    assert n.format_siret("73282932000074") == "732 829 320 00074"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("W595012345", "W595012345"),
        ("w595012345", "W595012345"),
        (" W 595012345 ", "W595012345"),
        ("0595012345", "0595012345"),
    ],
)
def test_rna_valid(raw, expected):
    assert n.normalize_rna(raw) == expected


@pytest.mark.parametrize("raw", ["W59501234", "W5950123456", "WABCDEFGHI", "12345678901", "59-501"])
def test_rna_invalid(raw):
    with pytest.raises(ValidationError, match="RNA invalide"):
        n.normalize_rna(raw)


@pytest.mark.parametrize(("raw", "expected"), [("88.10A", "88.10A"), ("8810a", "88.10A"), ("88 10 A", "88.10A")])
def test_ape_valid(raw, expected):
    assert n.normalize_ape(raw) == expected


@pytest.mark.parametrize("raw", ["88.1A", "8810", "AB.CDE", "88.10AA"])
def test_ape_invalid(raw):
    with pytest.raises(ValidationError, match="Code APE invalide"):
        n.normalize_ape(raw)


@pytest.mark.parametrize(("raw", "expected"), [("59000", "59000"), (59800, "59800"), (" 59 160 ", "59160")])
def test_postcode_valid(raw, expected):
    assert n.normalize_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["5900", "590000", "59OOO", "F-59000"])
def test_postcode_invalid(raw):
    with pytest.raises(ValidationError, match="Code postal invalide"):
        n.normalize_postcode(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03 20 49 50 00", "03 20 49 50 00"),
        ("+33 3 20 49 50 00", "03 20 49 50 00"),
        ("03.20.49.50.00", "03 20 49 50 00"),
        ("03-20-49-50-00", "03 20 49 50 00"),
        ("0320495000", "03 20 49 50 00"),
        (320495000, "03 20 49 50 00"),  # Excel dropped the leading zero
    ],
)
def test_phone_valid(raw, expected):
    assert n.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["0123", "03 20 49 50", "téléphone", "+33 3 20"])
def test_phone_invalid(raw):
    with pytest.raises(ValidationError, match="téléphone invalide"):
        n.normalize_phone(raw)


def test_email_normalised_to_lower_case():
    assert n.normalize_email(" Jean.Dupont@Example.ORG ") == "jean.dupont@example.org"


@pytest.mark.parametrize("raw", ["jean.dupont", "jean@", "@example.org", "jean dupont@example.org"])
def test_email_invalid(raw):
    with pytest.raises(ValidationError, match="Adresse électronique invalide"):
        n.normalize_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("www.example.org", "https://www.example.org"), ("http://example.org/a?b=1", "http://example.org/a?b=1")],
)
def test_url_valid(raw, expected):
    assert n.normalize_url(raw) == expected


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "data:text/html,x", "ftp://example.org", "https://", "exemple"])
def test_url_refuses_other_schemes(raw):
    with pytest.raises(ValidationError, match="Adresse web invalide"):
        n.normalize_url(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1 234,56", Decimal("1234.56")),
        ("1 234,56 €", Decimal("1234.56")),
        ("1\u202f234,56\u00a0€", Decimal("1234.56")),  # what Babel writes
        ("1234.56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        (1234.56, Decimal("1234.56")),
        (0.1, Decimal("0.10")),  # no float noise
        (1500, Decimal("1500.00")),
        ("47800,2", Decimal("47800.20")),
    ],
)
def test_amounts(raw, expected):
    assert n.parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["-5", "12,34,56", "douze", "1 2 3 4,5.6.7"])
def test_amounts_invalid(raw):
    with pytest.raises(ValidationError):
        n.parse_decimal(raw)


def test_amount_format_is_french():
    assert n.format_money(Decimal("1234.56")) == "1\u202f234,56\u00a0€"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07/03/2025", date(2025, 3, 7)),
        ("7/3/2025", date(2025, 3, 7)),
        ("2025-03-07", date(2025, 3, 7)),
        (datetime(2025, 3, 7, 0, 0), date(2025, 3, 7)),
        (date(2025, 3, 7), date(2025, 3, 7)),
    ],
)
def test_dates(raw, expected):
    assert n.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/2025", "2025/03/07", "mars 2025", "07/03/1850", "01/01/2150"])
def test_dates_invalid(raw):
    with pytest.raises(ValidationError):
        n.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Oui", True),
        ("non", False),
        ("O", True),
        ("N", False),
        ("Vrai", True),
        ("FAUX", False),
        ("1", True),
        (0, False),
        ("x", True),
        ("", False),
        (None, False),
        ("TRUE", True),
        ("false", False),
        (True, True),
    ],
)
def test_booleans(raw, expected):
    assert n.parse_bool(raw) is expected


def test_boolean_invalid():
    with pytest.raises(ValidationError, match="oui/non"):
        n.parse_bool("peut-être")


def test_int_refuses_fractions_and_negative():
    assert n.parse_int("1 200") == 1200
    with pytest.raises(ValidationError):
        n.parse_int("12,5")
    with pytest.raises(ValidationError):
        n.parse_int(-1)


@pytest.mark.parametrize(("raw", "kind"), [(91, "latitude"), (-181, "longitude")])
def test_coordinates_out_of_range(raw, kind):
    with pytest.raises(ValidationError, match="hors limites"):
        n.parse_coordinate(raw, kind=kind)


def test_fold_ignores_case_accents_and_hyphens():
    assert n.fold("Économie  Solidaire — Vieux-Lille") == "economie solidaire vieux lille"


@pytest.mark.parametrize(
    "text",
    [
        "Économie Sociale et Solidaire",
        "Cœur de Lille — l’Œuvre",
        "Straße ½ n° 3",
        "ÀÉÎÕÜ àéîõü ç Ç",
        "Saint-Maurice Pellevoisin",
        "ﬁnance éthique",
        "São Tomé",
        "Ærø",
        "Ĳssel",
        "  espaces\tet\nlignes  ",
    ],
)
def test_fold_matches_a_full_transliteration(text):
    """The fast path (decomposition, then Unidecode only when needed) folds as Unidecode alone would."""
    import re
    import unicodedata

    from unidecode import unidecode

    reference = re.sub(r"[^a-z0-9]+", " ", unidecode(unicodedata.normalize("NFKC", text)).lower()).strip()
    assert n.fold(text) == reference

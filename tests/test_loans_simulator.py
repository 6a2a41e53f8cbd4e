"""The repayment simulator: known annuity values, exact schedules, the subsidy's saving, French validation."""

from decimal import Decimal

import pytest

from registry.models import LoanProgramme
from registry.services.public.simulator import monthly_payment, parse_request, repayment, simulate
from registry.services.records.errors import ValidationErrors

D = Decimal


@pytest.mark.parametrize(
    ("amount", "rate", "months", "expected"),
    [
        # Standard annuity-table values, worked out independently of this code.
        ("1000", "12", 12, "88.85"),  # 1 000 € over a year at 1 % a month
        ("10000", "5", 60, "188.71"),  # a 5-year car loan
        ("200000", "6", 360, "1199.10"),  # the textbook 30-year mortgage
        ("1200", "0", 12, "100.00"),  # interest-free: capital / months
        ("5000", "4.5", 36, "148.73"),
    ],
)
def test_monthly_payment_matches_annuity_tables(amount, rate, months, expected):
    assert monthly_payment(D(amount), D(rate), months) == D(expected)


def test_repayment_schedule_adds_up_to_the_cent():
    # 1 000 € at 12 %/year over 12 months: eleven payments of 88,85 € and a last one that settles the capital.
    result = repayment(D("1000"), D("12"), 12)
    assert result.monthly_payment == D("88.85")
    assert result.last_payment == D("88.84")
    assert result.total_paid == D("1066.19")
    assert result.total_interest == result.total_paid - D("1000")


def test_interest_free_loan_rounds_on_the_last_payment():
    result = repayment(D("1000"), D("0"), 3)
    assert (result.monthly_payment, result.last_payment, result.total_paid) == (D("333.33"), D("333.34"), D("1000"))
    assert result.total_interest == 0


def test_simulation_reports_what_the_subsidy_saves():
    programme = LoanProgramme(
        min_amount=D("300"), max_amount=D("5000"), max_duration_months=36, nominal_rate=D("4.5"), borrower_rate=D("0")
    )
    simulation = simulate(programme, D("5000"), 36)
    assert simulation.borrower.monthly_payment == D("138.89")
    assert simulation.borrower.total_interest == 0
    assert simulation.nominal.total_interest == D("354.45")
    assert simulation.subsidy_saving == D("354.45")


#: (amount typed, months typed, field in error, what its message says) — one case per kind of mistake.
MISTAKES = [
    ("", "12", "montant", "Indiquez le montant que vous souhaitez emprunter, en euros"),
    ("beaucoup", "12", "montant", "Le montant « beaucoup » n'est pas une somme en euros"),
    ("1 200,555", "12", "montant", "a trop de décimales : au plus deux, pour les centimes"),
    ("100", "12", "montant", "au moins 300,00"),
    ("-50", "12", "montant", "au moins 300,00"),
    ("6 000", "12", "montant", "ne peut pas dépasser 5\u202f000,00"),
    ("1000", "", "duree", "Indiquez la durée du prêt, en mois"),
    ("1000", "48", "duree", "ne peut pas dépasser 36 mois"),
    ("1000", "0", "duree", "au moins 1 mois"),
    (
        "1000",
        "12,5",
        "duree",
        "La durée se compte en mois entiers : « 12,5 » n'en est pas un ; indiquez par exemple 12 ou 13",
    ),
    ("1000", "deux", "duree", "La durée « deux » n'est pas un nombre de mois : écrivez un nombre entier"),
    ("1000", "2 ans", "duree", "Indiquez la durée en mois : 2 ans, c'est 24 mois."),
]


@pytest.mark.parametrize(("amount", "months", "field", "message"), MISTAKES)
def test_parse_request_says_what_is_wrong_with_each_field(amount, months, field, message):
    programme = LoanProgramme(min_amount=D("300"), max_amount=D("5000"), max_duration_months=36)
    with pytest.raises(ValidationErrors) as caught:
        parse_request(programme, amount, months)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]


def test_every_message_fits_its_field():
    # A duration is never explained as an amount (« 1 234,56 »), an amount never in months.
    programme = LoanProgramme(min_amount=D("300"), max_amount=D("5000"), max_duration_months=36)
    for amount, months, field, _message in MISTAKES:
        with pytest.raises(ValidationErrors) as caught:
            parse_request(programme, amount, months)
        text = caught.value.errors[field]
        if field == "duree":
            assert "mois" in text and "1 234,56" not in text and "€" not in text, text
        else:
            assert ("montant" in text.lower() or "€" in text) and "mois" not in text, text


def test_an_empty_form_names_both_missing_fields():
    programme = LoanProgramme(max_duration_months=36)
    with pytest.raises(ValidationErrors) as caught:
        parse_request(programme, " ", "")
    assert set(caught.value.errors) == {"montant", "duree"}


def test_parse_request_accepts_french_amounts():
    programme = LoanProgramme(min_amount=D("300"), max_amount=D("5000"), max_duration_months=36)
    assert parse_request(programme, "1 234,50 €", " 24 ") == (D("1234.50"), 24)

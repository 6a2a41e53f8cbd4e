"""Repayment simulator for subsidised loans (prêts bonifiés): exact decimal arithmetic, French messages.

A loan of ``amount`` over ``months`` at a yearly rate is repaid by constant monthly instalments (annuities):
``payment = amount × r / (1 − (1 + r)^−months)`` with ``r`` the monthly rate (yearly rate / 12), rounded to the
cent. Each month's interest is the remaining capital × r, rounded to the cent; the last instalment settles the
remaining capital exactly, so the schedule adds up to the cent. The city's subsidy is the difference between
the interest at the lender's nominal rate and the interest the borrower pays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from registry.models import LoanProgramme
from registry.services.records.errors import Collector, ValidationError
from registry.services.reference.normalize import format_money, parse_decimal

CENT = Decimal("0.01")
#: Bounds used when a programme does not set its own.
DEFAULT_MAX_AMOUNT = Decimal("1000000")
DEFAULT_MAX_MONTHS = 600


@dataclass(frozen=True)
class Repayment:
    """The repayment of one loan at one rate."""

    annual_rate: Decimal
    monthly_payment: Decimal
    last_payment: Decimal
    total_paid: Decimal
    total_interest: Decimal


@dataclass(frozen=True)
class Simulation:
    """What the borrower pays, and what the city's subsidy saves compared with the nominal rate."""

    amount: Decimal
    months: int
    borrower: Repayment
    nominal: Repayment | None

    @property
    def subsidy_saving(self) -> Decimal | None:
        """Interest the borrower does not pay thanks to the city (None without a nominal rate)."""
        if self.nominal is None:
            return None
        return self.nominal.total_interest - self.borrower.total_interest


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_payment(amount: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The constant monthly instalment, in euros rounded to the cent; ``annual_rate`` in percent (4.5 = 4,5 %)."""
    if months < 1:
        raise ValueError("months must be positive")
    if annual_rate == 0:
        return _cents(amount / months)
    with localcontext() as ctx:
        ctx.prec = 40
        r = Decimal(annual_rate) / Decimal(1200)
        payment = amount * r / (1 - (1 + r) ** -months)
    return _cents(payment)


def repayment(amount: Decimal, annual_rate: Decimal, months: int) -> Repayment:
    """The whole schedule, month by month, summed: interest rounded each month, last instalment adjusted."""
    payment = monthly_payment(amount, annual_rate, months)
    r = Decimal(annual_rate) / Decimal(1200)
    balance = amount
    total_interest = Decimal("0")
    last = payment
    for month in range(1, months + 1):
        interest = _cents(balance * r)
        total_interest += interest
        if month == months:
            last = balance + interest
            balance = Decimal("0")
        else:
            balance -= payment - interest
    total_paid = payment * (months - 1) + last
    return Repayment(
        annual_rate=Decimal(annual_rate),
        monthly_payment=payment,
        last_payment=last,
        total_paid=total_paid,
        total_interest=total_interest,
    )


def limits(programme: LoanProgramme) -> tuple[Decimal, Decimal, int]:
    """The smallest and largest amount and the longest duration the simulator accepts for ``programme``."""
    return (
        programme.min_amount if programme.min_amount is not None else CENT,
        programme.max_amount if programme.max_amount is not None else DEFAULT_MAX_AMOUNT,
        programme.max_duration_months or DEFAULT_MAX_MONTHS,
    )


_YEARS = re.compile(r"^\s*(\d+)\s*(an|ans|année|années)\s*$", re.I)


def _number(raw, not_a_number: str) -> Decimal:
    """The number typed (French or international notation); ValidationError(``not_a_number``) otherwise."""
    try:
        return parse_decimal(raw, places=6, minimum=None)
    except ValidationError:
        raise ValidationError(not_a_number) from None


def _amount(raw) -> Decimal:
    """The amount typed, in euros and cents; ValidationError with a message about amounts otherwise."""
    amount = _number(raw, f"Le montant « {raw} » n'est pas une somme en euros : écrivez par exemple 1500 ou 1 500,50.")
    if amount != amount.quantize(CENT):
        raise ValidationError(f"Le montant « {raw} » a trop de décimales : au plus deux, pour les centimes (1 500,50).")
    return amount.quantize(CENT)


def _months(raw) -> int:
    """The duration typed, in whole months; ValidationError with a message about durations otherwise."""
    years = _YEARS.match(str(raw))
    if years:
        n = int(years[1])
        raise ValidationError(f"Indiquez la durée en mois : {n} an{'s' if n > 1 else ''}, c'est {12 * n} mois.")
    months = _number(raw, f"La durée « {raw} » n'est pas un nombre de mois : écrivez un nombre entier, par exemple 24.")
    if months != months.to_integral_value():
        below = int(months.to_integral_value(rounding=ROUND_FLOOR))
        raise ValidationError(
            f"La durée se compte en mois entiers : « {raw} » n'en est pas un ; indiquez par exemple {below} ou "
            f"{below + 1} mois."
        )
    return int(months)


def parse_request(programme: LoanProgramme, raw_amount, raw_months) -> tuple[Decimal, int]:
    """Amount and duration typed by a visitor, checked against the programme; ValidationErrors (French, one
    message per field, about that field) otherwise."""
    low, high, longest = limits(programme)
    errors = Collector()
    amount = months = None
    if raw_amount is None or str(raw_amount).strip() == "":
        errors.add("montant", "Indiquez le montant que vous souhaitez emprunter, en euros (par exemple 1500).")
    else:
        amount = errors.check("montant", _amount, str(raw_amount).strip())
    if raw_months is None or str(raw_months).strip() == "":
        errors.add("duree", "Indiquez la durée du prêt, en mois (par exemple 24).")
    else:
        months = errors.check("duree", _months, str(raw_months).strip())
    if amount is not None and amount < low:
        errors.add("montant", f"Le montant doit être d'au moins {format_money(low)} pour ce prêt.")
    elif amount is not None and amount > high:
        errors.add("montant", f"Le montant ne peut pas dépasser {format_money(high)} pour ce prêt.")
    if months is not None and months < 1:
        errors.add("duree", "La durée doit être d'au moins 1 mois.")
    elif months is not None and months > longest:
        errors.add("duree", f"La durée ne peut pas dépasser {longest} mois pour ce prêt.")
    errors.raise_if_any()
    return amount, months


def simulate(programme: LoanProgramme, amount: Decimal, months: int) -> Simulation:
    """Repayment at the borrower's rate, and at the nominal rate when the programme states it."""
    borrower_rate = programme.borrower_rate if programme.borrower_rate is not None else programme.nominal_rate
    if borrower_rate is None:
        raise ValidationError("Ce programme n'indique pas de taux : la simulation n'est pas possible.", "montant")
    nominal = None
    if programme.nominal_rate is not None:
        nominal = repayment(amount, programme.nominal_rate, months)
    return Simulation(amount=amount, months=months, borrower=repayment(amount, borrower_rate, months), nominal=nominal)

"""Loan programmes (prêts bonifiés): who may apply, how, and a repayment simulator that works without JavaScript."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request

from registry.extensions import db
from registry.models import LoanReport
from registry.public.views import bp
from registry.services.public import records as public_records
from registry.services.public import simulator as loans_simulator
from registry.services.records.errors import ValidationError, ValidationErrors
from registry.web import or_404


def yearly_results(session, programme) -> list[tuple[int, int, object]]:
    """(year, loans granted, amount granted) from the programme's aggregated reports."""
    year = sa.extract("year", LoanReport.period_start)
    rows = session.execute(
        sa.select(year, sa.func.sum(LoanReport.loans_granted), sa.func.sum(LoanReport.amount_granted))
        .where(LoanReport.programme_id == programme.id)
        .group_by(year)
        .order_by(year.desc())
    )
    return [(int(y), int(n or 0), amount) for y, n, amount in rows]


def run_simulation(programme, args):
    """(simulation or None, errors, submitted values) for the simulator's GET parameters; a form sent empty
    says which fields are missing, a page opened without parameters says nothing."""
    submitted = {"montant": (args.get("montant") or "").strip(), "duree": (args.get("duree") or "").strip()}
    if "montant" not in args and "duree" not in args:
        return None, {}, submitted
    try:
        amount, months = loans_simulator.parse_request(programme, submitted["montant"], submitted["duree"])
        return loans_simulator.simulate(programme, amount, months), {}, submitted
    except ValidationErrors as exc:
        return None, exc.errors, submitted
    except ValidationError as exc:
        return None, {exc.field or "montant": exc.message}, submitted


@bp.route("/prets/")
def loans():
    """The public loan programmes."""
    return render_template("public/loans.html", programmes=public_records.public_programmes(db.session))


@bp.route("/prets/<slug>")
def loan(slug: str):
    """One loan programme with its repayment simulator (?montant=…&duree=…)."""
    programme = or_404(public_records.public_programme(db.session, slug))
    simulation, errors, submitted = run_simulation(programme, request.args)
    low, high, longest = loans_simulator.limits(programme)
    return render_template(
        "public/loan.html",
        programme=programme,
        lender_public=programme.lender.is_public,
        simulation=simulation,
        errors=errors,
        submitted=submitted,
        limits={"low": low, "high": high, "longest": longest},
        results=yearly_results(db.session, programme),
    )

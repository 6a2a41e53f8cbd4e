"""Public pages ("À découvrir")."""

from __future__ import annotations

from flask import Blueprint, render_template

from registry.extensions import db
from registry.services.stats import public_counts_by_axis

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    """The five axes of the plan with their published actors and initiatives."""
    return render_template("public/home.html", axes=public_counts_by_axis(db.session))

"""Partner space pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from registry.auth.permissions import OWN_ACTOR, require

bp = Blueprint("partner", __name__)


@bp.route("/")
@require(OWN_ACTOR)
def index():
    """The partner's organisation as the public sees it."""
    return render_template("partner/index.html", actor=current_user.actor)

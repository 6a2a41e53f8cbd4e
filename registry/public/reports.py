"""« Signaler une erreur » on every public actor and initiative page: a short form on its own page (so the record
pages set no cookie), limited per client address and per e-mail typed, with a honeypot field instead of a
captcha, then a thank-you page.

Route layout::

    /acteurs/<slug>/signaler         public.report_actor        the form (GET) and its submission (POST)
    /initiatives/<slug>/signaler     public.report_initiative
    /signalement/merci               public.report_thanks
"""

from __future__ import annotations

import hashlib

from flask import current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from registry.extensions import db, limiter
from registry.public.views import bp
from registry.services.public import records as public_records
from registry.services.public.reports import MAX_MESSAGE, submit_report
from registry.services.records.errors import ValidationErrors
from registry.web import or_404


class ReportForm(FlaskForm):
    message = TextAreaField("Qu'est-ce qui est inexact ?", validators=[Length(max=MAX_MESSAGE + 500)])
    email = EmailField("Votre adresse électronique (facultatif)", validators=[Optional(), Length(max=254)])
    #: The honeypot: hidden from people (and from assistive technologies), filled by robots.
    site_web = StringField("Laissez ce champ vide", validators=[Optional()])


def _email_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    return "report-email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


per_address = limiter.limit(
    lambda: current_app.config["RATELIMIT_REPORT_PER_ADDRESS"],
    key_func=get_remote_address,
    methods=["POST"],
    scope="report-address",
)
per_email = limiter.limit(
    lambda: current_app.config["RATELIMIT_REPORT_PER_ACCOUNT"],
    key_func=_email_key,
    methods=["POST"],
    exempt_when=lambda: not (request.form.get("email") or "").strip(),
    scope="report-account",
)


def _report(record, back_url: str, kind_label: str):
    form = ReportForm()
    if form.validate_on_submit():
        if form.site_web.data:  # a robot: thanked, nothing stored
            return redirect(url_for("public.report_thanks"))
        try:
            submit_report(db.session, record, message=form.message.data, email=form.email.data)
        except ValidationErrors as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name, form.message).errors = [message]
        else:
            db.session.commit()
            return redirect(url_for("public.report_thanks", retour=back_url))
    status = 422 if request.method == "POST" else 200
    page = render_template("public/report.html", form=form, record=record, back_url=back_url, kind_label=kind_label)
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/acteurs/<slug>/signaler", methods=["GET", "POST"])
@per_address
@per_email
def report_actor(slug: str):
    record = or_404(public_records.public_actor(db.session, slug))
    return _report(record, url_for("public.actor", slug=slug), "l'acteur")


@bp.route("/initiatives/<slug>/signaler", methods=["GET", "POST"])
@per_address
@per_email
def report_initiative(slug: str):
    record = or_404(public_records.public_initiative(db.session, slug))
    return _report(record, url_for("public.initiative", slug=slug), "l'initiative")


@bp.route("/signalement/merci")
def report_thanks():
    back = request.args.get("retour", "")
    back = back if back.startswith(("/acteurs/", "/initiatives/")) and "//" not in back else url_for("public.home")
    return render_template("public/report_thanks.html", back_url=back)

"""Sign-in and sign-out pages; the password and account-request pages are registered on the same blueprint."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from registry.auth import access_request, reset
from registry.auth.forms import LoginForm
from registry.auth.limits import login_limits
from registry.auth.redirects import landing_url, safe_next
from registry.extensions import db
from registry.models.accounts import new_session_token
from registry.services.accounts.users import authenticate
from registry.web import LogoutForm

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

#: The only answer to a failed sign-in, whatever went wrong (unknown e-mail, wrong password, deactivated account).
LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


@bp.route("/connexion", methods=["GET", "POST"])
@login_limits
def login():
    """ "M'identifier": e-mail and password."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or landing_url(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            session.clear()  # a new session at sign-in: nothing set before (fixation, old CSRF token) survives
            user.remember_session = bool(form.remember.data)
            login_user(user, remember=user.remember_session)
            return redirect(next_url or landing_url(user))
        db.session.rollback()
        log.info("Failed sign-in from %s", request.remote_addr)
        error = LOGIN_FAILED
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/deconnexion", methods=["POST"])
def logout():
    """Sign out (POST only, with CSRF): ends this and every other session of the account."""
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        current_user.session_token = new_session_token()
        db.session.commit()
        logout_user()
        session.clear()
        flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("public.home"))


bp.add_url_rule("/mot-de-passe-oublie", view_func=reset.forgot_password, methods=["GET", "POST"])
bp.add_url_rule("/mot-de-passe/<token>", view_func=reset.password_link, methods=["GET"])
bp.add_url_rule("/mot-de-passe/nouveau", view_func=reset.set_password, methods=["GET", "POST"])
bp.add_url_rule("/demande-acces", view_func=access_request.request_access, methods=["GET", "POST"])

"""Sign-in and sign-out pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from registry.auth.forms import LoginForm, LogoutForm
from registry.auth.permissions import landing_url
from registry.auth.redirects import safe_next
from registry.extensions import db
from registry.models import User
from registry.models.accounts import new_session_token
from registry.models.base import utcnow
from registry.services.passwords import hash_password, needs_rehash, verify_dummy, verify_password

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """ "M'identifier": e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            verify_dummy(form.password.data)
        elif user.active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            db.session.commit()
            session.clear()  # a new session at login
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or landing_url(user))
        flash(LOGIN_FAILED, "danger")
    return render_template("auth/login.html", form=form)


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

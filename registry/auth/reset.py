"""Forgotten password and invitation links: ask for a link, open it, choose a password.

The e-mailed link ``/mot-de-passe/<token>`` only checks the token, keeps it in the (signed, HttpOnly) session
and redirects to ``/mot-de-passe/nouveau``: the token leaves the address bar, the browser history and any
Referer at once, and the form posts to an address without it. Access logs are scrubbed as well
(registry.security). Setting the password does not sign in: the user signs in with it, which proves it works.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from registry.auth.deferred import after_response
from registry.auth.forms import ForgotPasswordForm, SetPasswordForm
from registry.auth.limits import forgot_password_limits
from registry.extensions import db
from registry.services.accounts.credentials import complete_password_change, request_password_reset
from registry.services.accounts.tokens import TokenError, max_age, read_token
from registry.services.records.errors import ValidationError

SESSION_KEY = "password_token"

#: The only answer to a forgotten-password request, whether the address has an account or not.
RESET_SENT = (
    "Si un compte correspond à cette adresse, un courriel vient d'y être envoyé avec un lien pour choisir un nouveau "
    "mot de passe. Le lien est valable une heure. Pensez à regarder dans les courriers indésirables."
)


@forgot_password_limits
def forgot_password():
    """ "Mot de passe oublié ?": e-mails a one-hour link when the address has an active account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        after_response(request_password_reset, form.email.data)  # same answer, same time, for every address
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, minutes=max_age("reset") // 60)


def password_link(token: str):
    """The e-mailed link: checked, kept in the session, then out of the URL."""
    try:
        read_token(db.session, token)
    except TokenError as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    session[SESSION_KEY] = token
    return redirect(url_for("auth.set_password"))


def set_password():
    """Choose a new password (reset) or a first one (invitation)."""
    token = session.get(SESSION_KEY)
    if not token:
        return render_template(
            "auth/link_invalid.html", message="Ouvrez le lien reçu par courriel pour choisir votre mot de passe."
        ), 400
    try:
        use = read_token(db.session, token)
    except TokenError as exc:
        session.pop(SESSION_KEY, None)
        return render_template("auth/link_invalid.html", message=exc.message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            complete_password_change(db.session, use.user, form.password.data, purpose=use.purpose)
        except ValidationError as exc:
            db.session.rollback()
            form.password.errors = [exc.message]
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(
                "Votre mot de passe est enregistré. Identifiez-vous avec votre adresse électronique et ce mot de "
                "passe.",
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=use.user, invitation=use.purpose == "invite")

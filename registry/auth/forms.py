"""Sign-in forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse électronique", validators=[DataRequired("Indiquez votre adresse électronique."), Length(max=254)]
    )
    password = PasswordField(
        "Mot de passe", validators=[DataRequired("Indiquez votre mot de passe."), Length(max=1024)]
    )
    remember = BooleanField("Rester connecté sur cet appareil")


class LogoutForm(FlaskForm):
    """Empty form: carries the CSRF token of the POST-only logout."""

"""Sign-in, password and account-request forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from registry.models import RequestedRole

EMAIL_REQUIRED = "Indiquez votre adresse électronique."


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", validators=[DataRequired(EMAIL_REQUIRED), Length(max=254)])
    password = PasswordField(
        "Mot de passe", validators=[DataRequired("Indiquez votre mot de passe."), Length(max=1024)]
    )
    remember = BooleanField("Rester connecté sur cet appareil")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Adresse électronique de votre compte", validators=[DataRequired(EMAIL_REQUIRED), Length(max=254)]
    )


class SetPasswordForm(FlaskForm):
    # No maximum below the policy's 1024 characters: long passphrases are welcome and never truncated.
    password = PasswordField(
        "Nouveau mot de passe", validators=[DataRequired("Choisissez un mot de passe."), Length(max=1024)]
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[
            DataRequired("Recopiez le mot de passe."),
            EqualTo("password", "Les deux mots de passe ne sont pas identiques."),
        ],
    )


class AccountRequestForm(FlaskForm):
    full_name = StringField(
        "Nom et prénom", validators=[DataRequired("Indiquez votre nom et votre prénom."), Length(max=200)]
    )
    email = EmailField("Adresse électronique", validators=[DataRequired(EMAIL_REQUIRED), Length(max=254)])
    requested_role = RadioField(
        "Vous êtes",
        choices=RequestedRole.choices(),
        default=RequestedRole.PARTNER.value,
        validators=[DataRequired("Indiquez si vous représentez une organisation ou la Ville.")],
    )
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    siret = StringField("SIRET de l'organisation", validators=[Optional(), Length(max=40)])
    message = TextAreaField("Message (facultatif)", validators=[Optional(), Length(max=2000)])

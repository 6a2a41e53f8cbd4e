"""« Vous n'avez pas encore d'identifiant ? Demandez-le » : the public account-request form."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from registry.auth.deferred import after_response
from registry.auth.forms import AccountRequestForm
from registry.auth.limits import account_request_limits
from registry.services.accounts.requests import check_account_request, record_account_request
from registry.services.records.errors import ValidationErrors

#: The only answer to a request, whether the address is known or not.
REQUEST_RECEIVED = (
    "Votre demande est enregistrée. Un courriel de confirmation vient de vous être envoyé ; vous recevrez la réponse "
    "d'un administrateur de la Ville à la même adresse."
)


def legal_notice_context() -> dict:
    """What the legal notice of a form collecting personal data names (SECURITY.md item 34)."""
    return {
        "dpo_contact": current_app.config["DPO_CONTACT"],
        "retention_days": current_app.config["ACCOUNT_REQUEST_RETENTION_DAYS"],
        "organisation": current_app.config["ORGANISATION_NAME"],
    }


@account_request_limits
def request_access():
    """Name, e-mail, organisation, SIRET, role asked, message, and the legal notice: the legal basis is the
    public-interest mission, so people are informed and no consent is asked."""
    form = AccountRequestForm()
    if form.validate_on_submit():
        try:
            fields = check_account_request(
                full_name=form.full_name.data,
                email=form.email.data,
                requested_role=form.requested_role.data,
                organisation=form.organisation.data,
                siret=form.siret.data,
                message=form.message.data,
            )
        except ValidationErrors as exc:
            for name, message in exc.errors.items():
                getattr(form, name, form.full_name).errors = [message]
        else:
            after_response(record_account_request, **fields)  # same answer, same time, for every address
            flash(REQUEST_RECEIVED, "success")
            return redirect(url_for("public.home"))
    return render_template("auth/request_access.html", form=form, **legal_notice_context())

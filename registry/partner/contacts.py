"""Partner space: the organisation's contact persons (personal data): list, add, edit, remove, each with its
own consent to be shown publicly. A contact of another organisation is a 404, whatever the id."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from registry.extensions import db
from registry.models import Contact
from registry.partner.forms import ContactForm, DeleteForm
from registry.partner.views import bp, forged_names, refused, show_errors, stamp
from registry.services.accounts.abilities import OWN_ACTOR
from registry.services.records import editing
from registry.services.records.errors import ValidationErrors
from registry.services.records.partner_space import (
    add_contact,
    note_forged_fields,
    own_contact,
    remove_contact,
    update_contact,
)
from registry.web import require


def notice_context() -> dict:
    """What the legal notice of the contact form names (SECURITY.md 34)."""
    return {
        "organisation": current_app.config["ORGANISATION_NAME"],
        "dpo_contact": current_app.config["DPO_CONTACT"],
    }


def _contact_or_404(contact_id: int) -> Contact:
    contact = own_contact(db.session, current_user.actor, contact_id)
    if contact is None:
        abort(404)
    return contact


def _note_forgery(form, what: str) -> None:
    if note_forged_fields(db.session, current_user.actor, forged_names(form), user=current_user, what=what):
        db.session.commit()


@bp.route("/contacts/")
@require(OWN_ACTOR)
def contacts():
    """The organisation's contact persons, with their public visibility, and a removal button each."""
    actor = current_user.actor
    items = db.session.scalars(sa.select(Contact).where(Contact.actor_id == actor.id).order_by(Contact.full_name)).all()
    forms = {}
    for contact in items:
        forms[contact.id] = DeleteForm(formdata=None)
        stamp(forms[contact.id], contact)
    return render_template("partner/contacts.html", actor=actor, items=items, forms=forms)


@bp.route("/contacts/nouveau", methods=("GET", "POST"))
@require(OWN_ACTOR)
def new_contact():
    """Add a contact person (with or without consent to be shown publicly)."""
    form = ContactForm()
    if form.validate_on_submit():
        _note_forgery(form, "nouveau contact")
        try:
            add_contact(db.session, current_user.actor, form.values(), user=current_user)
        except ValidationErrors as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            flash("Contact ajouté. La Ville relira la modification.", "success")
            return redirect(url_for(".contacts"))
    return render_template("partner/contact_form.html", form=form, contact=None, conflict=None, **notice_context())


@bp.route("/contacts/<int:contact_id>", methods=("GET", "POST"))
@require(OWN_ACTOR)
def edit_contact(contact_id: int):
    """Change a contact person; a stale form shows what changed and saves nothing."""
    contact = _contact_or_404(contact_id)
    form = ContactForm()
    conflict = None
    if form.validate_on_submit():
        _note_forgery(form, f"contact n° {contact.id}")
        try:
            update_contact(db.session, contact, form.values(), user=current_user, opened=form.opened_state.data)
        except ValidationErrors as exc:
            db.session.rollback()
            show_errors(form, exc)
        except editing.Conflict as exc:
            conflict = refused(exc)
            form = ContactForm(formdata=None, obj=contact)
            stamp(form, contact)
        else:
            db.session.commit()
            flash("Contact enregistré. La Ville relira la modification.", "success")
            return redirect(url_for(".contacts"))
    elif request.method == "GET":
        form = ContactForm(formdata=None, obj=contact)
        stamp(form, contact)
    return render_template(
        "partner/contact_form.html", form=form, contact=contact, conflict=conflict, **notice_context()
    )


@bp.route("/contacts/<int:contact_id>/supprimer", methods=("POST",))
@require(OWN_ACTOR)
def delete_contact(contact_id: int):
    """Remove a contact person (the version shown must still be current)."""
    contact = _contact_or_404(contact_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    _note_forgery(form, f"suppression du contact n° {contact.id}")
    try:
        name = contact.full_name
        remove_contact(db.session, contact, user=current_user, opened=form.opened_state.data)
    except editing.Conflict as exc:
        db.session.rollback()
        if exc.description.unsealed:
            flash("Le contact n'a pas été supprimé : la demande ne disait pas quel contact la liste montrait. "
                  "Rechargez la liste puis recommencez.", "error")  # fmt: skip
        else:
            flash("Ce contact a été modifié depuis l'affichage de la liste : il n'a pas été supprimé. Vérifiez-le "
                  "puis recommencez.", "error")  # fmt: skip
    else:
        db.session.commit()
        flash(f"Le contact « {name} » a été supprimé.", "success")
    return redirect(url_for(".contacts"))

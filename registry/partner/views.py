"""Partner space pages: the organisation as the public sees it, its profile form, its partnerships and
initiatives, and a download of its own data. Every view works on ``current_user.actor`` only: no URL takes
an actor id, so there is nothing of another organisation to ask for."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from registry.downloads import audited_download
from registry.extensions import db
from registry.models import Contact, Partnership
from registry.partner import records
from registry.partner.forms import ProfileForm
from registry.services.accounts.abilities import OWN_ACTOR, has_ability
from registry.services.connectors.comparison import PARTNER_FIELDS, recorded_from_actor
from registry.services.public.records import public_contacts
from registry.services.records import editing
from registry.services.records.actors import MIN_PRESENTATION_LENGTH
from registry.services.records.errors import ValidationErrors
from registry.services.records.partner_space import completeness, note_forged_fields, update_profile
from registry.web import jsonify_message, lookup_limit, position_lookup, require, siret_lookup
from registry.workbook import columns as cols
from registry.workbook.exporter import export_queries

bp = Blueprint("partner", __name__)
SAVED = "Modification enregistrée. Elle est visible tout de suite ; la Ville la relira."


@bp.context_processor
def partner_context() -> dict:
    """Every partner page names the organisation (the signed-in partner's, never another)."""
    actor = getattr(current_user, "actor", None) if has_ability(current_user, OWN_ACTOR) else None
    return {"actor": actor} if actor is not None else {}


def stamp(form, record) -> None:
    """The record's sealed state (its version inside), in the form's one hidden field."""
    form.opened_state.data = editing.open_state(record)


def show_errors(form, exc: ValidationErrors) -> None:
    """Each French message on its field (the form's error summary lists them); messages about fields not on the
    form are flashed."""
    for name, message in exc.errors.items():
        target = next((form[n] for n in (name, name.removesuffix("_id")) if n in form), None)
        if target is not None:
            target.errors = [*list(target.errors or []), message]
        else:
            flash(f"Rien n'a été enregistré : {message}", "error")


def refused(exc: editing.Conflict):
    """Roll back, say that nothing was saved, and give the description of what changed for the template."""
    db.session.rollback()
    flash(exc.description.message, "error")
    return exc.description


def forged_names(form) -> set[str]:
    """Names posted that are not fields of ``form`` (candidates for note_forged_fields)."""
    return set(request.form.keys()) - {field.name for field in form}


@bp.route("/")
@require(OWN_ACTOR)
def index():
    """The organisation as the public sees it, what its page is missing, and links to edit."""
    actor = current_user.actor
    contact_count = db.session.scalar(sa.select(sa.func.count()).where(Contact.actor_id == actor.id))
    checks = completeness(actor, contact_count)
    return render_template(
        "partner/index.html",
        actor=actor,
        checks=checks,
        done=sum(1 for c in checks if c.done),
        contacts=public_contacts(db.session, actor),
        contact_count=contact_count,
        counts=records.counts(db.session, actor),
    )


@bp.route("/profil", methods=("GET", "POST"))
@require(OWN_ACTOR)
def profile():
    """The fields a partner may change, checked by clean_actor, version-checked, audited."""
    actor = current_user.actor
    form = ProfileForm()
    form.load_choices(db.session)
    conflict = None
    if form.validate_on_submit():
        if note_forged_fields(db.session, actor, forged_names(form), user=current_user, what="profil"):
            db.session.commit()
        try:
            changes = update_profile(db.session, actor, form.values(), user=current_user, opened=form.opened_state.data)
        except ValidationErrors as exc:
            db.session.rollback()
            show_errors(form, exc)
        except editing.Conflict as exc:
            conflict = refused(exc)
            form = ProfileForm(formdata=None)
            form.load_choices(db.session)
            form.fill_from(actor)
            stamp(form, actor)
        else:
            db.session.commit()
            flash(SAVED if changes else "Aucune modification : la fiche était déjà à jour.", "success")
            return redirect(url_for(".index"))
    elif request.method == "GET":
        form.fill_from(actor)
        stamp(form, actor)
    return render_template(
        "partner/profile.html",
        actor=actor,
        form=form,
        conflict=conflict,
        min_presentation=MIN_PRESENTATION_LENGTH,
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )


@bp.route("/profil/repertoire-sirene", methods=("POST",))
@require(OWN_ACTOR)
@lookup_limit
def sirene_lookup():
    """The register's values for the organisation's own SIRET beside its profile (JSON); only the fields a partner
    may change can be applied, the others are shown to write to the city about."""
    actor = current_user.actor
    if not actor.siret:
        return jsonify_message(422, "Votre fiche n'a pas de SIRET : la Ville le renseigne sur demande.")
    typed = {name: request.form[name] for name in PARTNER_FIELDS if name in request.form}
    return siret_lookup(actor.siret, {**recorded_from_actor(actor), **typed}, partner=True, actor=actor)


@bp.route("/profil/geolocaliser", methods=("POST",))
@require(OWN_ACTOR)
@lookup_limit
def geocode_lookup():
    """A proposed position for the address typed in the profile form (JSON)."""
    return position_lookup(request.form)


@bp.route("/partenariats")
@require(OWN_ACTOR)
def partnerships():
    """The organisation's partnerships with the city (read-only)."""
    actor = current_user.actor
    return render_template("partner/partnerships.html", actor=actor, items=records.partnerships(db.session, actor))


@bp.route("/initiatives")
@require(OWN_ACTOR)
def initiatives():
    """The initiatives the organisation leads or takes part in (read-only)."""
    actor = current_user.actor
    return render_template("partner/initiatives.html", actor=actor, items=records.initiatives(db.session, actor))


@bp.route("/mes-donnees.xlsx")
@require(OWN_ACTOR)
def download():
    """The organisation's own data as a registry workbook: its profile, contacts and partnerships (audited)."""
    actor = current_user.actor
    parts = [
        (cols.ACTORS, sa.select(cols.ACTORS.model).where(cols.ACTORS.model.id == actor.id)),
        (cols.CONTACTS, sa.select(Contact).where(Contact.actor_id == actor.id)),
        (cols.PARTNERSHIPS, sa.select(Partnership).where(Partnership.actor_id == actor.id)),
    ]
    out = io.BytesIO()
    counts = export_queries(db.session, parts, out, include_personal=True, title=f"Données de « {actor.name} »")
    label = f"Données de l'organisation « {actor.name} » (" + ", ".join(f"{k} : {v}" for k, v in counts.items())
    name = f"{actor.slug}-{date.today()}.xlsx"
    return audited_download(db.session, out, name, user=current_user, source="partner", label=label + ")")

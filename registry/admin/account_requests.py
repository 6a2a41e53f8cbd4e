"""Back office, admins only: the public's account requests, pending and decided, and the decision pages of a
pending one: accept (create the account, invite) or refuse (with a reason)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.admin.accounts import MAIL_FAILED, AdminOnlyView, flash_errors, when
from registry.extensions import db
from registry.models import AccountRequest, Actor, LegalForm, RequestedRole, RequestStatus, Role
from registry.services.accounts.requests import approve_account_request, reject_account_request
from registry.services.accounts.users import find_actor
from registry.services.outputs.mail import undelivered
from registry.services.records.errors import ValidationError, ValidationErrors

EXISTING, NEW = "existing", "new"


class ApproveForm(FlaskForm):
    role = SelectField("Rôle du compte", choices=Role.choices())
    #: Which of the two ways a partner account gets its organisation is used (the other's fields are ignored).
    organisation_choice = RadioField(
        "Organisation du compte partenaire",
        choices=[(EXISTING, "Un acteur déjà au registre"), (NEW, "Un nouvel acteur, créé non publié")],
        validators=[Optional()],
        validate_choice=False,
    )
    actor_key = StringField("Acteur existant : SIRET ou référence", validators=[Optional(), Length(max=200)])
    new_actor_name = StringField("Nom du nouvel acteur", validators=[Optional(), Length(max=200)])
    new_actor_legal_form = QuerySelectField(
        "Forme juridique du nouvel acteur",
        query_factory=lambda: db.session.scalars(sa.select(LegalForm).order_by(LegalForm.sort_name)).all(),
        get_label="label",
        allow_blank=True,
        blank_text="—",
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Motif du refus (envoyé à la personne)",
        validators=[DataRequired("Indiquez le motif du refus."), Length(max=2000)],
    )


def candidate_actors(account_request: AccountRequest) -> list[Actor]:
    """Actors that may be the requester's organisation: same SIRET, or a name containing the one given."""
    conditions = []
    if account_request.siret:
        conditions.append(Actor.siret == account_request.siret)
    if account_request.organisation:
        conditions.append(Actor.name.ilike(f"%{account_request.organisation.strip()[:60]}%"))
    if not conditions:
        return []
    return db.session.scalars(
        sa.select(Actor).where(sa.or_(*conditions)).order_by(Actor.sort_name, Actor.id).limit(8)
    ).all()


def prefill(form: ApproveForm, account_request: AccountRequest, candidates: list[Actor]) -> Actor | None:
    """One proposal, never two: the actor with the request's SIRET when there is one, else a new actor named
    after the organisation. Returns the actor proposed (None: a new one)."""
    staff = account_request.requested_role == RequestedRole.STAFF
    form.role.data = Role.OFFICER.value if staff else Role.PARTNER.value
    same_siret = [a for a in candidates if account_request.siret and a.siret == account_request.siret]
    if same_siret:
        form.organisation_choice.data, form.actor_key.data = EXISTING, same_siret[0].slug
    else:
        form.organisation_choice.data, form.new_actor_name.data = NEW, account_request.organisation or ""
    return same_siret[0] if same_siret else None


def chosen_actor(form: ApproveForm) -> Actor | None:
    """The existing actor a partner account is tied to (None: a new actor), from the option ticked; a form
    sent without the option (an older page) means « existing » when a key is given."""
    if not form.organisation_choice.data:
        form.organisation_choice.data = EXISTING if (form.actor_key.data or "").strip() else NEW
    if form.role.data != Role.PARTNER.value or form.organisation_choice.data != EXISTING:
        return None
    key = (form.actor_key.data or "").strip()
    actor = find_actor(db.session, key) if key else None
    if not key:
        form.actor_key.errors = ["Indiquez le SIRET ou la référence de l'acteur existant, ou cochez « nouvel acteur »."]
    elif actor is None:
        form.actor_key.errors = [f"Aucun acteur ne correspond à « {key} »."]
    return actor


def approve(view, account_request: AccountRequest):
    """GET: the request and the choices; POST: create the account and e-mail the invitation."""
    candidates = candidate_actors(account_request)
    form = ApproveForm()
    proposed = prefill(form, account_request, candidates) if not form.is_submitted() else None
    if form.validate_on_submit():
        actor = chosen_actor(form)
        if not form.actor_key.errors:
            try:
                user = approve_account_request(
                    db.session,
                    account_request,
                    by=current_user,
                    role=form.role.data,
                    actor=actor,
                    new_actor_name=form.new_actor_name.data,
                    new_actor_legal_form=form.new_actor_legal_form.data,
                )
            except (ValidationError, ValidationErrors) as exc:
                db.session.rollback()
                flash_errors(exc, view)  # a SIRET already taken links that actor
            else:
                return _decided(f"Demande acceptée : compte créé pour {user.email}, invitation envoyée.", MAIL_FAILED)
    return view.render(
        "admin/accounts/approve.html",
        form=form,
        account_request=account_request,
        candidates=candidates,
        proposed=proposed,
        EXISTING=EXISTING,
        NEW=NEW,
    )


def _decided(done: str, not_mailed: str):
    """Commit a decision, say whether its e-mail left, and go back to the pending requests."""
    db.session.commit()
    if undelivered(db.session):
        flash(not_mailed, "warning")
    else:
        flash(done, "success")
    return redirect(url_for(".index_view"))


def reject(view, account_request: AccountRequest):
    """GET: the request and a reason field; POST: refuse and e-mail the reason."""
    form = RejectForm()
    if form.validate_on_submit():
        try:
            reject_account_request(db.session, account_request, by=current_user, reason=form.reason.data)
        except (ValidationError, ValidationErrors) as exc:
            db.session.rollback()
            flash_errors(exc)
        else:
            return _decided(
                "Demande refusée ; le motif a été envoyé par courriel.",
                "Demande refusée, mais le courriel n'a pas pu être envoyé : prévenez la personne.",
            )
    return view.render("admin/accounts/reject.html", form=form, account_request=account_request)


class AccountRequestBaseView(AdminOnlyView):
    """Requests made on the public form: read-only here; the decisions have their own pages."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    allow_export = False
    can_view_details = True
    column_list = ("created_at", "full_name", "email", "organisation", "siret", "requested_role", "status")
    column_details_list = (
        "created_at",
        "full_name",
        "email",
        "organisation",
        "siret",
        "requested_role",
        "message",
        "consent_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "user",
        "actor",
    )
    column_searchable_list = ("full_name", "email", "organisation", "siret")
    column_default_sort = ("created_at", True)
    column_labels = {
        "created_at": "Reçue le",
        "full_name": "Nom",
        "email": "Adresse électronique",
        "organisation": "Organisation",
        "siret": "SIRET",
        "requested_role": "Accès demandé",
        "message": "Message",
        "consent_at": "Mention d'information lue le",
        "status": "État",
        "decided_by": "Décidée par",
        "decided_at": "Décidée le",
        "decision_reason": "Motif",
        "user": "Compte créé",
        "actor": "Acteur",
    }
    column_formatters = {
        "requested_role": lambda v, c, m, n: m.requested_role.label,
        "status": lambda v, c, m, n: m.status.label,
        "created_at": when,
        "decided_at": when,
        "consent_at": when,
    }
    statuses: tuple[RequestStatus, ...] = ()

    def scope_query(self, query):
        return query.filter(AccountRequest.status.in_(self.statuses))


class PendingRequestView(AccountRequestBaseView):
    """Pending requests, with « Accepter » and « Refuser »."""

    statuses = (RequestStatus.PENDING,)
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-check", ".approve_view", title="Accepter"),
        EndpointLinkRowAction("fa fa-times", ".reject_view", title="Refuser"),
    ]
    details_template = "admin/accounts/request_details.html"

    def _pending_or_back(self):
        account_request = self.get_one(request.args.get("id", ""))
        if account_request is None:
            flash("Cette demande n'existe pas ou a déjà été traitée.", "error")
        return account_request

    @expose("/accepter/", methods=("GET", "POST"))
    def approve_view(self):
        account_request = self._pending_or_back()
        if account_request is None:
            return redirect(url_for(".index_view"))
        return approve(self, account_request)

    @expose("/refuser/", methods=("GET", "POST"))
    def reject_view(self):
        account_request = self._pending_or_back()
        if account_request is None:
            return redirect(url_for(".index_view"))
        return reject(self, account_request)


class DecidedRequestView(AccountRequestBaseView):
    """Requests already approved or rejected (rejected ones are purged after the retention period)."""

    statuses = (RequestStatus.APPROVED, RequestStatus.REJECTED)
    column_list = (*AccountRequestBaseView.column_list, "decided_at")
    column_default_sort = ("decided_at", True)

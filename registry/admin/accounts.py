"""Back office, admins only (MANAGE_USERS): user accounts and the public's account requests.

Every change goes through the services shared with the CLI (registry.services.accounts.users, credentials,
account_requests), which validate, enforce "never without an active admin" and write the audit; creating,
changing and deleting an account is the one write of registry.services.records.editing (the edit form's sealed
state checked like every record's). Password hashes
and session tokens are never listed, shown, exported or editable."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_login import current_user
from sqlalchemy import orm as so

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.admin.editing import OPENED_FIELD
from registry.admin.forms import AdminForm
from registry.extensions import db
from registry.models import Role, User
from registry.services.accounts.abilities import MANAGE_USERS
from registry.services.accounts.credentials import send_invitation
from registry.services.accounts.users import create_user, delete_user, update_user
from registry.services.outputs.mail import undelivered
from registry.services.records import editing
from registry.services.records.errors import ValidationError, ValidationErrors
from registry.services.reference.nouns import noun_of, number

MAIL_FAILED = (
    "Le courriel n'a pas pu être envoyé (serveur de messagerie injoignable ?). Le compte est enregistré : "
    "utilisez « Renvoyer l'invitation » plus tard."
)


def flash_errors(exc: ValidationError | ValidationErrors, view=None) -> None:
    """Each French message of a validation error as a flash message (a record it names linked by ``view``)."""
    messages = exc.errors.values() if isinstance(exc, ValidationErrors) else [exc.message]
    for message in messages:
        flash(view.linked(message) if view is not None else message, "error")


def commit_or_flash(service, *args, show_conflict=None, **kwargs) -> bool:
    """Call a service; commit when it succeeds, else roll back and show its French messages (a conflict's through
    ``show_conflict(description)`` when given, else as a flash)."""
    try:
        service(*args, **kwargs)
    except (ValidationError, ValidationErrors) as exc:
        db.session.rollback()
        flash_errors(exc)
        return False
    except editing.Conflict as exc:
        db.session.rollback()
        if show_conflict is not None:
            show_conflict(exc.description)
        else:
            flash(exc.description.message, "error")
        return False
    db.session.commit()
    return True


def when(view, context, model, name):
    from registry.services.reference.normalize import format_date

    value = getattr(model, name)
    return f"{format_date(value.date())} {value:%H:%M}" if value else ""


class AdminOnlyView(SecureModelView):
    """A model view for admins only: seeing it and changing it both need MANAGE_USERS."""

    required_ability = MANAGE_USERS
    write_ability = MANAGE_USERS
    form_base_class = AdminForm  # see registry/admin/forms.py: SecureForm's POSTs are refused by CSRFProtect


class UserView(AdminOnlyView):
    """Accounts: list, create (the person receives an invitation), change role, deactivate, resend invitation."""

    column_list = ("email", "full_name", "role", "actor", "active", "password_changed_at", "last_login_at")
    # Exports stream after the request's session is gone: load the actor with the users.
    query_options = (so.joinedload(User.actor),)
    #: Explicit lists: ``column_exclude_list`` does not apply to details and export (SECURITY.md item 7).
    column_details_list = (
        "email",
        "full_name",
        "role",
        "actor",
        "active",
        "invited_at",
        "password_changed_at",
        "last_login_at",
        "created_at",
        "updated_at",
    )
    column_export_list = column_details_list
    column_searchable_list = ("email", "full_name")
    column_filters = (
        f.equals(User.role, "Rôle", Role.choices(), parse=Role),
        f.yes_no(User.active, "Actif"),
    )
    column_default_sort = "email"
    column_labels = {
        "email": "Adresse électronique",
        "full_name": "Nom",
        "role": "Rôle",
        "actor": "Acteur",
        "active": "Actif",
        "invited_at": "Invité le",
        "password_changed_at": "Mot de passe",
        "last_login_at": "Dernière connexion",
        "created_at": "Créé le",
        "updated_at": "Modifié le",
    }
    column_formatters = {
        "role": lambda v, c, m, n: m.role.label,
        "password_changed_at": lambda v, c, m, n: when(v, c, m, n) if m.password_hash else "pas encore choisi",
        "last_login_at": when,
        "invited_at": when,
        "created_at": when,
        "updated_at": when,
    }
    column_formatters_export = {"role": lambda v, c, m, n: m.role.value}
    form_columns = ("email", "full_name", "role", "actor", "active")
    form_ajax_refs = {"actor": {"fields": ("name", "siret"), "page_size": 10}}
    form_args = {
        "email": {"label": "Adresse électronique"},
        "full_name": {"label": "Nom"},
        "actor": {"label": "Acteur (comptes partenaires)"},
    }
    allow_export = True

    def create_form(self, obj=None):
        form = super().create_form(obj)
        del form.active  # a new account is active; it is usable once its invitation is accepted
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.email  # the e-mail is the identifier: to change it, create the new account
        return form

    def create_model(self, form):
        try:
            user = create_user(
                db.session,
                email=form.email.data,
                role=form.role.data,
                actor=form.actor.data,
                full_name=form.full_name.data or "",
                by=current_user,
                source="admin",
            )
            send_invitation(db.session, user, by=current_user, source="admin")
        except (ValidationError, ValidationErrors) as exc:
            db.session.rollback()
            flash_errors(exc)
            return False
        db.session.commit()
        if undelivered(db.session):
            flash(MAIL_FAILED, "warning")
        else:
            flash(f"Compte créé ; une invitation a été envoyée à {user.email}.", "success")
        return user

    def update_model(self, form, model):
        saved = commit_or_flash(
            update_user,
            db.session,
            model,
            by=current_user,
            source="admin",
            role=form.role.data,
            active=form.active.data,
            full_name=form.full_name.data or "",
            actor=form.actor.data,
            opened=form[OPENED_FIELD].data,
            show_conflict=lambda conflict: self.show_conflict(form, model, conflict),
        )
        if saved:
            self.after_model_change(form, model, False)  # « Compte « X » enregistré. » (admin/messages.py)
        return saved

    def delete_model(self, model):
        return commit_or_flash(delete_user, db.session, model, by=current_user, source="admin")

    def _selected(self, ids):
        return self.get_query().filter(User.id.in_([int(i) for i in ids if str(i).isdigit()])).all()

    @action("resend_invitation", "Renvoyer l'invitation", "Renvoyer une invitation aux comptes choisis ?")
    def action_resend_invitation(self, ids):
        sent = 0
        for user in self._selected(ids):
            try:
                send_invitation(db.session, user, by=current_user, source="admin")
                sent += 1
            except ValidationError as exc:
                flash(exc.message, "warning")
        db.session.commit()
        for message in undelivered(db.session):
            flash(f"{message['To']} : le courriel n'a pas pu être envoyé.", "error")
            sent -= 1
        if sent:
            flash(f"Invitation envoyée à {number(sent, 'compte')}.", "success")

    def _set_active(self, ids, active: bool) -> int:
        changed = 0
        for user in self._selected(ids):
            try:
                if update_user(db.session, user, by=current_user, source="admin", active=active):
                    changed += 1
            except ValidationErrors as exc:
                flash(f"{user.email} : " + " ".join(exc.errors.values()), "error")
            except editing.Conflict as exc:
                flash(f"{user.email} : {exc.description.message}", "error")
        db.session.commit()
        return changed

    @action("deactivate", "Désactiver", "Désactiver les comptes choisis ? Leurs sessions seront fermées.")
    def action_deactivate(self, ids):
        flash(noun_of("User").counted(self._set_active(ids, False), "désactivé"), "success")

    @action("reactivate", "Réactiver", "Réactiver les comptes choisis ?")
    def action_reactivate(self, ids):
        flash(noun_of("User").counted(self._set_active(ids, True), "réactivé"), "success")

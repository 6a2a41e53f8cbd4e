"""Back office: a person's rights over their data (SECURITY.md 32–33). Officers find everything the registry
holds about one person, download it as a JSON file, and erase it. Thin views over
``registry.services.privacy.personal_data``; the export and the erasure are audited under a pseudonym only."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from registry.admin.base import SecureBaseView
from registry.extensions import db
from registry.services.accounts.abilities import READ_PERSONAL, WRITE, has_ability
from registry.services.privacy.personal_data import erase_person, export_person, find_person, record_access_export
from registry.services.records.errors import ValidationError
from registry.services.reference.nouns import agree, number
from registry.sqlite import write_lock

#: The words an officer types to confirm an erasure.
CONFIRMATION = "EFFACER"


def _query() -> dict:
    source = request.form if request.method == "POST" else request.args
    return {"email": source.get("email", "").strip()[:254], "name": source.get("nom", "").strip()[:200]}


class PersonalDataView(SecureBaseView):
    """Find, export (JSON) and erase what the registry holds about one person."""

    required_ability = READ_PERSONAL
    write_ability = WRITE

    @expose("/")
    def index(self):
        query = _query()
        person = None
        if query["email"] or query["name"]:
            try:
                person = find_person(db.session, **query)
            except ValidationError as exc:
                flash(exc.message, "error")
        return self.render(
            "admin/personal_data.html",
            query=query,
            person=person,
            can_erase=has_ability(current_user, WRITE),
            confirmation=CONFIRMATION,
        )

    @expose("/donnees.json")
    def download(self):
        query = _query()
        try:
            person = find_person(db.session, **query)
        except ValidationError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".index"))
        data = export_person(person)
        db.session.commit()
        with write_lock():
            record_access_export(db.session, person, user=current_user)
            db.session.commit()
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        response = current_app.response_class(body, mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="donnees-personne-{person.reference}.json"'
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/effacer", methods=("POST",))
    def erase(self):
        if not has_ability(current_user, WRITE):
            abort(403)
        query = _query()
        back = url_for(".index", email=query["email"] or None, nom=query["name"] or None)
        if request.form.get("confirmation", "").strip().upper() != CONFIRMATION:
            flash(f"Effacement non confirmé : tapez {CONFIRMATION} dans la case de confirmation.", "error")
            return redirect(back)
        try:
            person = find_person(db.session, **query)
            if not person.found:
                flash("Aucune donnée trouvée pour cette personne : rien n'a été effacé.", "info")
                return redirect(back)
            done = erase_person(db.session, person, user=current_user)
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(back)
        db.session.commit()
        flash(
            f"Données effacées ({person.pseudonym}) : "
            f"{number(done['contacts'], 'contact')} {agree('supprimé', done['contacts'])}, "
            f"{number(done['user_accounts'], 'compte')} {agree('anonymisé', done['user_accounts'])}, "
            f"{number(done['account_requests'], 'demande', 'demandes')} d'accès "
            f"{agree('supprimé', done['account_requests'], feminine=True)}, "
            f"{number(done['audit_events'], 'entrée')} du journal "
            f"{agree('expurgé', done['audit_events'], feminine=True)}.",
            "success",
        )
        return redirect(url_for(".index"))

"""« Fusionner » in the back office: an officer folds a duplicate actor into the one that stays. From the actor's
page (the duplicate picked among likely ones, or by number, slug or SIRET) or the list's bulk action with exactly
two rows ticked; a side-by-side page chooses each field's value, a confirmation page says what will follow, and the
merge is ``services.records.merging`` (the one write). Officers and admins only: 403 for every other role."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user

from registry.services.records import editing, merging
from registry.services.records.errors import ValidationError, ValidationErrors
from registry.services.reference.labels import field_label

TWO = "Pour fusionner, cochez exactement deux fiches : la première cochée reste, l'autre y est fusionnée."
NOT_FOUND = "Aucun acteur ne porte ce numéro, cette référence ou ce SIRET : vérifiez la fiche en double."
MERGE_TEMPLATE = "admin/registry/merge.html"


class MergeMixin:
    """The merge pages of the actor view."""

    @property
    def can_merge(self) -> bool:
        """For templates: the user may merge records of this view."""
        return self.writable

    @action("merge", "Fusionner (deux fiches)")
    def action_merge(self, ids):
        records = self.records_for_ids(ids)
        if len(records) != 2:
            flash(TWO, "error")
            return None
        order = {str(ident): rank for rank, ident in enumerate(ids)}
        kept, merged = sorted(records, key=lambda r: order.get(str(r.id), 0))
        return redirect(url_for(".merge_view", id=kept.id, other=merged.id))

    @expose("/fusion/", methods=("GET", "POST"))
    def merge_view(self):
        if not self.can_merge:
            abort(403)
        kept = self.get_one(request.values.get("id", ""))
        if kept is None:
            abort(404)
        page = {"kept": kept, "return_url": self.get_url(".details_view", id=kept.id)}
        other = request.values.get("other", "").strip()
        merged = merging.find_actor(self.db_session, other) if other else None
        if other and merged is None:
            flash(NOT_FOUND, "error")
        elif merged is not None and merged.id == kept.id:
            flash(merging.SAME, "error")
            merged = None
        if merged is None:
            return self.render(MERGE_TEMPLATE, step="pick", other=other,
                               candidates=merging.candidates(self.db_session, kept), **page)  # fmt: skip
        step = request.form.get("step") if request.method == "POST" else None
        if step == "confirm":
            return self._merge(kept, merged, page)
        tokens = {"opened": request.form.get("opened") or editing.open_state(kept),
                  "opened_merged": request.form.get("opened_merged") or editing.open_state(merged)}  # fmt: skip
        rows = merging.side_by_side(kept, merged)
        if step == "check":
            try:
                choices = merging.read_choices(request.form)
            except ValidationError as exc:
                flash(exc.message, "error")
                return self.render(MERGE_TEMPLATE, step="choose", merged=merged, rows=rows, **tokens, **page)
            following = merging.following(self.db_session, merged)
            return self.render(MERGE_TEMPLATE, step="confirm", merged=merged, rows=rows, choices=choices,
                               following=following, **tokens, **page)  # fmt: skip
        return self.render(MERGE_TEMPLATE, step="choose", merged=merged, rows=rows, **tokens, **page)

    def _merge(self, kept, merged, page):
        session = self.db_session
        kept_name, merged_name, kept_id, merged_id = str(kept), str(merged), kept.id, merged.id
        try:
            choices = merging.read_choices(request.form)
            merging.merge_actors(session, kept, merged, choices, opened=request.form.get("opened"),
                                 opened_merged=request.form.get("opened_merged"), user=current_user)  # fmt: skip
            session.commit()
        except ValidationError as exc:
            session.rollback()
            flash(exc.message, "error")
        except ValidationErrors as exc:
            session.rollback()
            for name, message in exc.errors.items():
                flash(f"{field_label('Actor', name)} : {message}", "error")
            flash("La fusion n'a pas été faite : la fiche obtenue ne serait pas valide. Choisissez d'autres valeurs.",
                  "error")  # fmt: skip
        except editing.Conflict as exc:
            session.rollback()
            flash("La fusion n'a pas été faite : l'une des deux fiches a été modifiée depuis l'ouverture de cette "
                  "page. Vérifiez les valeurs ci-dessous, qui sont les valeurs actuelles.", "error")  # fmt: skip
            for label, then, now in exc.description.changes:
                flash(f"{label} : « {then} » → « {now} »", "warning")
        else:
            flash(f"« {merged_name} » a été fusionnée dans « {kept_name} » ; son ancienne adresse redirige vers cette "
                  "fiche. « Rétablir » dans le journal des modifications annule la fusion tant que rien n'a changé.",
                  "success")  # fmt: skip
            return redirect(self.get_url(".details_view", id=kept_id))
        kept = self.get_one(str(kept_id))
        merged = merging.find_actor(session, str(merged_id))
        if kept is None or merged is None:
            return redirect(self.get_url(".index_view"))
        rows = merging.side_by_side(kept, merged)
        tokens = {"opened": editing.open_state(kept), "opened_merged": editing.open_state(merged)}
        return self.render(MERGE_TEMPLATE, step="choose", merged=merged, rows=rows, **tokens,
                           **{**page, "kept": kept})  # fmt: skip

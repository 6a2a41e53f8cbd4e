"""AJAX pickers of related records: accent-insensitive, capped, and filtered by the same row rules as lists."""

from __future__ import annotations

import sqlalchemy as sa
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader

from registry.admin.flask_admin_overrides import picker_columns
from registry.extensions import db
from registry.models import Actor, ActorStatus, Initiative, LoanProgramme
from registry.services.reference.normalize import fold

#: No picker returns more than this many rows, whatever the request asks.
MAX_LOOKUP_ROWS = 20


def selectable_clause(model):
    """Rows that may be picked for a new link: archived records are not offered."""
    if model is Actor:
        return Actor.status != ActorStatus.ARCHIVED
    if model in (Initiative, LoanProgramme):
        return model.archived_at.is_(None)
    return sa.true()


class RecordLookup(QueryAjaxModelLoader):
    """Finds records by folded text (``search_text`` when the model has one) or by case-insensitive label."""

    def __init__(self, name: str, model, fields: tuple[str, ...], order_by: str, **options):
        super().__init__(name, db, model, fields=list(fields), **options)
        self.order_column = getattr(model, order_by)
        #: Set by the view owning the picker, so lookups follow its row rules.
        self.scope = None

    def get_query(self):
        query = db.session.query(self.model).filter(selectable_clause(self.model))
        return self.scope(self.model, query) if self.scope is not None else query

    def get_one(self, pk):
        # A submitted id must be one the user could have picked (forged ids of hidden rows resolve to nothing).
        try:
            ident = int(pk)
        except (TypeError, ValueError):
            return None
        query = db.session.query(self.model).filter(self.model.id == ident)
        if self.scope is not None:
            query = self.scope(self.model, query)
        with db.session.no_autoflush:
            return query.one_or_none()

    def get_list(self, term: str, offset: int = 0, limit: int = 10):
        limit = max(1, min(int(limit or 10), MAX_LOOKUP_ROWS))
        offset = max(0, int(offset or 0))
        query = self.get_query()
        words = fold(term).split()
        searchable = getattr(self.model, "search_text", None)
        for word in words:
            pattern = f"%{escape_like(word)}%"
            if searchable is not None:
                query = query.filter(searchable.like(pattern, escape="\\"))
            else:
                pattern = f"%{escape_like(term.strip())}%"
                query = query.filter(sa.or_(*(f.ilike(pattern, escape="\\") for f in picker_columns(self))))
                break
        return query.order_by(self.order_column).offset(offset).limit(limit).all()


def escape_like(text: str) -> str:
    """Escape LIKE wildcards typed by the user."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def actor_lookup(name: str) -> RecordLookup:
    """Picker of actors by name (accent-insensitive)."""
    return RecordLookup(name, Actor, ("name",), "name", placeholder="Tapez le nom d'un acteur…", minimum_input_length=2)


def initiative_lookup(name: str) -> RecordLookup:
    """Picker of initiatives by title."""
    return RecordLookup(name, Initiative, ("title",), "title", placeholder="Tapez le titre d'une initiative…")


def programme_lookup(name: str) -> RecordLookup:
    """Picker of loan programmes by name."""
    return RecordLookup(name, LoanProgramme, ("name",), "name", placeholder="Tapez le nom d'un programme…")

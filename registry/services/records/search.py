"""Keeps the accent-folded ``search_text`` of actors and initiatives, and the folded ``sort_name`` of every record
sorted by name (``SortedByName``), up to date on every flush."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Initiative
from registry.models.base import SORT_NAME_LENGTH, SortedByName
from registry.services.reference.normalize import fold


def actor_search_text(actor: Actor) -> str:
    """Folded name, description and sector labels (sorted: the order a form lists them in is no change)."""
    parts = [actor.name, actor.description, *sorted(s.label for s in actor.sectors)]
    return fold(" ".join(p for p in parts if p))


def initiative_search_text(initiative: Initiative) -> str:
    """Folded title, summary, description and sector labels of an initiative."""
    parts = [initiative.title, initiative.summary, initiative.description, *sorted(s.label for s in initiative.sectors)]
    return fold(" ".join(p for p in parts if p))


def search_text(obj) -> str | None:
    """The folded search text of an actor or an initiative; None for any other record."""
    if isinstance(obj, Actor):
        return actor_search_text(obj)
    if isinstance(obj, Initiative):
        return initiative_search_text(obj)
    return None


def sort_name(text: str | None) -> str:
    """The French-order key of a name: folded, cut to the column's length (« Économie » → « economie »)."""
    return fold(text)[:SORT_NAME_LENGTH]


def refresh_sort_name(obj) -> None:
    """Set a record's ``sort_name`` from its name (no write when it is already right)."""
    key = sort_name(getattr(obj, obj.sorted_by))
    if obj.sort_name != key:
        obj.sort_name = key


@sa.event.listens_for(so.Session, "before_flush")
def _refresh_search_text(session: so.Session, flush_context, instances) -> None:
    for obj in [*session.new, *session.dirty]:
        text = search_text(obj)
        if text is not None and obj.search_text != text:
            obj.search_text = text
        if isinstance(obj, SortedByName):
            refresh_sort_name(obj)

"""Keeps the accent-folded ``search_text`` of actors and initiatives up to date on every flush."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Initiative
from registry.services.normalize import fold


def actor_search_text(actor: Actor) -> str:
    """Folded name, description and sector labels of an actor."""
    parts = [actor.name, actor.description, *(s.label for s in actor.sectors)]
    return fold(" ".join(p for p in parts if p))


def initiative_search_text(initiative: Initiative) -> str:
    """Folded title, summary, description and sector labels of an initiative."""
    parts = [initiative.title, initiative.summary, initiative.description, *(s.label for s in initiative.sectors)]
    return fold(" ".join(p for p in parts if p))


@sa.event.listens_for(so.Session, "before_flush")
def _refresh_search_text(session: so.Session, flush_context, instances) -> None:
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Actor):
            text = actor_search_text(obj)
        elif isinstance(obj, Initiative):
            text = initiative_search_text(obj)
        else:
            continue
        if obj.search_text != text:
            obj.search_text = text

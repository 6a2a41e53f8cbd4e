"""Every change to a versioned record moves its version counter, including changes of its many-to-many links
(axes, sectors, quartiers) and of an initiative's partners, which SQLAlchemy's ``version_id_col`` alone does not
see. Whoever writes (back office, partner space, importer), a concurrent editor then gets a conflict instead of a
silent overwrite."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models.base import Versioned, utcnow


def _links_changed_only(obj) -> bool:
    state = sa.inspect(obj)
    mapper = state.mapper
    if any(state.attrs[c.key].history.has_changes() for c in mapper.column_attrs):
        return False  # a column changed: the UPDATE already moves the version
    return any(state.attrs[rel.key].history.has_changes() for rel in mapper.relationships if _is_owned_link(rel))


def _is_owned_link(rel) -> bool:
    """Many-to-many links, and child rows without a version of their own (an initiative's partners)."""
    if rel.secondary is not None:
        return True
    return rel.direction is so.interfaces.ONETOMANY and not issubclass(rel.mapper.class_, Versioned)


@sa.event.listens_for(so.Session, "before_flush")
def _bump_version_on_link_changes(session: so.Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, Versioned) and hasattr(obj, "updated_at") and _links_changed_only(obj):
            obj.updated_at = utcnow()

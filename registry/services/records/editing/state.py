"""What a writer saw of a record before changing it, and whether the record still is that way.

A form carries one hidden field: the record's type, id, version and audited fields (and its inline children's) as
the form was opened, signed with the application's secret. The version that counts is the one inside that seal: the
client cannot change it without breaking the signature, and a seal of another record does not fit this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from registry.services.history.audit import snapshot

SALT = "registry.opened-state.v2"
#: Outcomes of ``check``: nothing to compare (no seal, a broken one, one of another record) or the record moved.
UNSEALED = "unsealed"
STALE = "stale"


@dataclass(frozen=True)
class Opened:
    """A record as a writer saw it: its version (None: compare the fields of ``state`` only, as a revert does), its
    audited fields (all of them, or the few a writer expects), and per inline relationship {child id: (version,
    fields)}."""

    entity: str
    id: int | None
    version: int | None
    state: dict
    children: dict[str, dict] = field(default_factory=dict)


class _AsIs:
    def __repr__(self) -> str:
        return "AS_IS"


#: ``opened`` of a writer that opened no form (a bulk action, the command line): the record as it is now.
AS_IS = _AsIs()


def _gone(obj) -> bool:
    state = sa.inspect(obj)
    session = state.session
    return state.deleted or state.was_deleted or (session is not None and obj in session.deleted)


def child_states(obj, relations: Iterable[str], *, new: bool = False) -> dict[str, dict]:
    """Per relationship, {child id: (version, snapshot)} of the children still there; with ``new``, the children
    being added too, under the keys "nouveau 1", "nouveau 2"... (for showing what someone typed)."""
    out: dict[str, dict] = {}
    for rel in relations:
        states, added = {}, 0
        for child in getattr(obj, rel):
            if child.id is None:
                if new and not _gone(child):
                    added += 1
                    states[f"nouveau {added}"] = (None, snapshot(child))
            elif not _gone(child):
                states[child.id] = (getattr(child, "version", None), snapshot(child))
        out[rel] = states
    return out


def parent_key(obj, relation: str) -> str | None:
    """The field of a child of ``obj.relation`` naming ``obj`` back (a contact's "actor"): it moves when the
    parent is renamed, which is no change of the child."""
    return getattr(type(obj), relation).property.back_populates


def state_of(obj, children: Iterable[str] = ()) -> Opened:
    """The record as it is now (unsigned)."""
    return Opened(type(obj).__name__, obj.id, getattr(obj, "version", None), snapshot(obj), child_states(obj, children))


def expect(obj, values: dict) -> Opened:
    """What a writer expects of some fields of ``obj`` ({field: audit value}), whatever its version (a revert
    expects the values the undone change left)."""
    return Opened(type(obj).__name__, obj.id, None, dict(values))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def seal(opened: Opened) -> str:
    """``opened`` signed, to travel in a hidden field."""
    children = {rel: [[ident, version, state] for ident, (version, state) in kids.items()]
                for rel, kids in opened.children.items()}  # fmt: skip
    return _serializer().dumps(
        {"t": opened.entity, "id": opened.id, "v": opened.version, "s": opened.state, "c": children}
    )


def open_state(obj, children: Iterable[str] = ()) -> str:
    """The sealed state to put in a form as it opens on ``obj`` (with its inline ``children`` relationships)."""
    return seal(state_of(obj, children))


def unseal(token) -> Opened | None:
    """The state sealed in a form, or None when it is missing, tampered with or not of this shape."""
    if not token or not isinstance(token, str):
        return None
    try:
        data = _serializer().loads(token)
        children = {
            rel: {int(ident): (version, dict(state)) for ident, version, state in kids}
            for rel, kids in data["c"].items()
        }
        opened = Opened(str(data["t"]), data["id"], data["v"], dict(data["s"]), children)
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None
    if not isinstance(opened.version, int) or not isinstance(opened.id, int):
        return None
    return opened


def resolve(obj, opened, children: Iterable[str] = ()) -> Opened | None:
    """``opened`` as a writer passes it (a sealed token from a form, an ``Opened``, or AS_IS) as an Opened; None
    when a token does not unseal."""
    if opened is AS_IS:
        return state_of(obj, children)
    if isinstance(opened, Opened):
        return opened
    return unseal(opened)


def check(obj, opened: Opened | None, children: Iterable[str] = ()) -> str | None:
    """None when ``obj`` still is as ``opened`` says; otherwise UNSEALED or STALE."""
    if opened is None or opened.entity != type(obj).__name__ or opened.id != obj.id:
        return UNSEALED
    if opened.version is not None:
        if opened.version != getattr(obj, "version", None):
            return STALE
    else:
        current = snapshot(obj)
        if any(current.get(name) != value for name, value in opened.state.items()):
            return STALE
    now = child_states(obj, children)
    for rel in children:
        if rel not in opened.children:
            if opened.version is not None:
                return UNSEALED  # a form opened without its children cannot vouch for them
            continue
        seen = {ident: version for ident, (version, _state) in opened.children[rel].items()}
        if seen != {ident: version for ident, (version, _state) in now[rel].items()}:
            return STALE
    return None

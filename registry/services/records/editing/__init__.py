"""The one audited, version-checked write of a record, shared by every screen that changes records one at a time:
the back office (create, edit, delete, bulk archive, accounts), the partner space (profile, contacts) and
« Rétablir ». A screen puts ``open_state(obj)`` in its form's one hidden field, passes it back as ``opened``, and
turns what is raised into messages: ``ValidationErrors`` (French, per field, children's included) and
``Conflict`` (its ``description``: what changed, value then and now, who, when, what was typed).

    token = open_state(actor, children=("contacts",))
    changes = save(session, actor, apply=copy_input, opened=token, user=user, source="admin",
                   cleaner=clean_actor, children={"contacts": clean_contact})
    create(session, contact, apply=copy_input, user=user, source="partner", cleaner=clean_contact)
    delete(session, contact, opened=token, user=user, source="partner")

The version that counts is the one inside the signed token; a missing, tampered or foreign token is a Conflict
(``description.unsealed``), and so is SQLAlchemy's StaleDataError at the flush. Writers without a form pass
``opened=AS_IS`` (the record as it is now); a revert passes ``expect(obj, values)`` (only those values are
compared). ``merge`` folds a duplicate into the record that stays (every reference re-pointed, one event) and
``unmerge`` undoes it while nothing it touched changed. Nothing is committed here; on any exception nothing of the
write is left in the session.
"""

from registry.services.records.editing.conflicts import Conflict, ConflictDescription, describe_conflict
from registry.services.records.editing.merge import MERGE_KEY, decode_row, merge, references_to, unmerge
from registry.services.records.editing.state import AS_IS, Opened, expect, open_state, seal, state_of, unseal
from registry.services.records.editing.write import Changes, create, delete, save

__all__ = [
    "AS_IS",
    "MERGE_KEY",
    "Changes",
    "Conflict",
    "ConflictDescription",
    "Opened",
    "create",
    "decode_row",
    "delete",
    "describe_conflict",
    "expect",
    "merge",
    "open_state",
    "references_to",
    "save",
    "seal",
    "state_of",
    "unmerge",
    "unseal",
]

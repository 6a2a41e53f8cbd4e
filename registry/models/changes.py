"""The change log the database keeps for the dashboard's facts (migration ``0011_change_log``).

Triggers on the tables the facts read (``registry.services.reporting.changes.LOGGED``) record, for every row
written, the record it belongs to: an actor for a row of ``actors``, ``actor_axes`` or ``actor_sectors``, and so
on. Whatever writes — this app on any server, the importer's bulk insert, a script in raw SQL — is logged in its
own transaction, so a server holding the facts reads only the records changed since it read them (issue 19).
The app never writes here; the facts' reader prunes old entries.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db


class ChangeLog(db.Model):
    """One record touched by one statement. ``id`` grows with each entry (SQLite: in commit order, since
    writers take turns); ``xid`` is the writing transaction on PostgreSQL, where ids are drawn before commit and
    do not follow it, so readers compare transactions with their snapshot instead."""

    __tablename__ = "change_log"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never reused once pruned

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    xid: so.Mapped[int | None] = so.mapped_column(sa.BigInteger, index=True)
    table_name: so.Mapped[str] = so.mapped_column(sa.String(40))
    row_id: so.Mapped[int] = so.mapped_column(sa.BigInteger)


class ChangeLogState(db.Model):
    """One row: entries below ``pruned_below`` were deleted (an id on SQLite, a transaction on PostgreSQL); facts
    read before that point are read again in full."""

    __tablename__ = "change_log_state"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pruned_below: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")

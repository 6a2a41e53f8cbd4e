"""Counts and figures of public listings, remembered until public data changes (counting 100,000 rows on every
page costs more than the page itself).

A value is kept under its key (for counts: the SQL and its parameters) and the data version
(registry/services/public/versions.py: a Redis counter moved by every commit when several servers share Redis,
else ``last_change``: any write to actors, initiatives, loan programmes or reports, or to the audit trail, which
records every write), so a write through any server starts afresh everywhere.
Entries also expire after ``TTL`` seconds, so a write that somehow bypassed both is seen within a minute.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditEvent, Initiative, LoanProgramme, LoanReport

T = TypeVar("T")
TTL = 60.0
MAX_ENTRIES = 1024

_cache: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
_lock = threading.Lock()


def last_change(session: so.Session) -> datetime:
    """When public data last changed: the latest write to a published table or to the audit trail.

    Each term reads one index (``updated_at``, ``audit_events.created_at``); the audit trail catches deletions.
    """
    models = (Actor, Initiative, LoanProgramme, LoanReport)
    terms = [sa.select(sa.func.max(m.updated_at)).scalar_subquery() for m in models]
    terms.append(sa.select(sa.func.max(AuditEvent.created_at)).scalar_subquery())
    stamps = [v for v in session.execute(sa.select(*terms)).one() if v is not None]
    return max(stamps) if stamps else datetime(2000, 1, 1)


def remember(session: so.Session, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or its value from the cache when public data has not changed since. Values must be plain
    data (numbers, tuples, dataclasses), never ORM objects, which belong to one session."""
    from registry.services.public.versions import data_version

    version = data_version(session)
    if version is None:
        return compute()  # the shared version is unreadable: no cache rather than a stale one
    full_key = (str(session.get_bind().url), *key, version)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(full_key)
        if hit and now - hit[0] < TTL:
            _cache.move_to_end(full_key)
            return hit[1]
    value = compute()
    with _lock:
        _cache[full_key] = (now, value)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value


def count(session: so.Session, model, terms) -> int:
    """``SELECT count(*) FROM model WHERE terms``, remembered until public data changes."""
    statement = sa.select(sa.func.count()).select_from(model).where(*terms)
    compiled = statement.compile(bind=session.get_bind())
    key = ("count", str(compiled), repr(sorted(compiled.params.items())))
    return remember(session, key, lambda: session.scalar(statement) or 0)


def clear() -> None:
    """Forget every count (benchmarks measure the uncached cost with it)."""
    with _lock:
        _cache.clear()

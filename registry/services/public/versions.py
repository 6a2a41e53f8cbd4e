"""The data version that keys every cache (public counts, back-office dashboard), shared by all app servers.

With ``REDIS_URL`` set (production: several app servers), the version is a Redis counter moved after every commit
that wrote something; a cache entry made on one server is thus stale on every server at the next request after a
write on any of them. Without Redis (the one-machine SQLite default), the version is the database's own
``last_change`` (the latest ``updated_at`` or audit event). When Redis cannot be reached the version is ``None``:
callers then compute afresh, so the site keeps serving, only without its caches.
"""

from __future__ import annotations

import logging
import threading

import redis
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import orm as so

from registry.services.public.cache import last_change

log = logging.getLogger(__name__)

KEY = "registry:data-version"
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()
_WROTE = "registry.data_version.wrote"


def redis_client(url: str | None = None) -> redis.Redis | None:
    """The Redis client of ``url`` (default: the app's REDIS_URL), short timeouts; None without Redis."""
    if url is None:
        url = current_app.config.get("REDIS_URL") if has_app_context() else None
    if not url:
        return None
    with _lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return _clients[url]


def data_version(session: so.Session):
    """The current data version, or None when the shared store cannot be reached (then: no cache)."""
    client = redis_client()
    if client is None:
        return last_change(session)
    try:
        return ("redis", int(client.get(KEY) or 0))
    except redis.RedisError as exc:
        log.warning("Data version unreadable (Redis: %s): caches bypassed", exc)
        return None


def bump() -> None:
    """Move the shared version (after a commit that wrote)."""
    client = redis_client()
    if client is None:
        return
    try:
        client.incr(KEY)
    except redis.RedisError as exc:
        log.error("Data version not moved (Redis: %s): other servers may show cached figures", exc)


def has_written(session: so.Session) -> bool:
    """Whether the session flushed a write its transaction has not committed yet."""
    return bool(session.info.get(_WROTE))


@sa.event.listens_for(so.Session, "after_flush")
def _wrote(session: so.Session, flush_context) -> None:
    session.info[_WROTE] = True


@sa.event.listens_for(so.Session, "after_commit")
def _bump_after_commit(session: so.Session) -> None:
    if session.in_nested_transaction():
        return
    if session.info.pop(_WROTE, False):
        bump()


@sa.event.listens_for(so.Session, "after_soft_rollback")
def _forget(session: so.Session, transaction) -> None:
    if not transaction.nested:
        session.info.pop(_WROTE, None)

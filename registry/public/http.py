"""HTTP caching of the public site: Cache-Control for pages, validators (ETag, Last-Modified) for data."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask import Response, request
from flask_login import current_user
from sqlalchemy import orm as so

from registry.models import Axis, LegalForm, Quartier, Sector
from registry.services.public.cache import last_change

#: Browsers may reuse a public page for a minute. Pages are never stored by shared caches: they carry a
#: per-request CSP nonce and the sign-in area.
PAGE_MAX_AGE = 60
#: API answers and downloads: public data, revalidated with ETag / Last-Modified after this many seconds.
DATA_MAX_AGE = 300


def reference_fingerprint(session: so.Session) -> str:
    """Versions of the reference data (labels of axes, quartiers, sectors, legal forms appear in the data)."""
    parts = []
    for model in (Axis, Quartier, Sector, LegalForm):
        count, total = session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(model.version), 0))
        ).one()
        parts.append(f"{count}.{total}")
    return "-".join(parts)


def data_etag(session: so.Session, *parts: str) -> str:
    """An entity tag for a download, computed before generating it (so a 304 costs a few index reads)."""
    seed = "|".join([last_change(session).isoformat(), reference_fingerprint(session), *parts])
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def cache_data(response: Response, last_modified: datetime, *, max_age: int = DATA_MAX_AGE) -> Response:
    """Public, revalidated caching with a content ETag and Last-Modified; answers 304 when the client is current."""
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.last_modified = last_modified
    if not response.is_streamed and not response.get_etag()[0]:
        response.add_etag()
    return response.make_conditional(request)


def cache_page(response: Response) -> Response:
    """Cache-Control of a public HTML page (private: see PAGE_MAX_AGE)."""
    if "Cache-Control" in response.headers or request.method not in ("GET", "HEAD"):
        return response
    if response.status_code != 200 or current_user.is_authenticated:
        response.cache_control.no_cache = True
        response.cache_control.private = True
    else:
        response.cache_control.private = True
        response.cache_control.max_age = PAGE_MAX_AGE
    response.vary.add("Cookie")
    return response

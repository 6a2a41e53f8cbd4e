"""Safe redirects: only to paths of this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for

from registry.models import Role


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site ('/admin/'), else None ('//evil', 'https://evil', 'javascript:')."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def landing_url(user) -> str:
    """Where a user lands after signing in: the back office for staff, the partner space for partners."""
    if user.role == Role.PARTNER:
        return url_for("partner.index")
    return url_for("admin.index")

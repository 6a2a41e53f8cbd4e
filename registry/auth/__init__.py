"""Sign-in, sessions, password links and account requests (the abilities table is services/accounts/abilities.py)."""

from __future__ import annotations

import hmac
import time

from flask import Flask, current_app

from registry.extensions import db, login_manager
from registry.models import User


def session_max_age(remember: bool) -> float:
    """Seconds a sign-in stays valid: the remember-me lifetime, or the session lifetime without remember-me."""
    key = "REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"
    return current_app.config[key].total_seconds()


def load_user(user_id: str) -> User | None:
    """Flask-Login loader, for the session and the remember-me cookie alike ("id:session_token:issued:r|s").

    Role, active flag and actor are read from the database at each request; a rotated session token (sign-out,
    password change, deactivation) or a sign-in older than its allowed lifetime ends the session, whatever the
    cookie's own expiry says."""
    parts = (user_id or "").split(":")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit() or parts[3] not in ("r", "s"):
        return None
    ident, token, issued, kind = int(parts[0]), parts[1], int(parts[2]), parts[3]
    if not -60 <= time.time() - issued <= session_max_age(kind == "r"):
        return None
    user = db.session.get(User, ident)
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    user.session_issued_at, user.remember_session = issued, kind == "r"
    return user


def init_auth(app: Flask) -> None:
    """Configure Flask-Login."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Identifiez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    from registry.auth.deferred import init_deferred

    init_deferred(app)

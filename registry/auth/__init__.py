"""Sign-in, sessions and permissions."""

from __future__ import annotations

import hmac

from flask import Flask

from registry.extensions import db, login_manager
from registry.models import User


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the cookie holds "id:session_token"; role and active flag come from the database."""
    ident, _, token = (user_id or "").partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def init_auth(app: Flask) -> None:
    """Configure Flask-Login."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Identifiez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

"""Brute-force throttling (Flask-Limiter) of the sign-in, forgotten-password and account-request forms.

Each form is limited per client address and per e-mail address typed (hashed: no address in the storage or
the logs). Sign-in counts only failed attempts, so a user who types the right password is never blocked by
their own successes; every limit is a moving window, so a throttled account opens again by itself (no
permanent lock-out). The figures are settings (``RATELIMIT_*`` in registry/config.py).
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address

from registry.extensions import limiter


def submitted_email_key() -> str:
    """The limiter key of the e-mail address typed in the form (a hash of its normalised form)."""
    email = (request.form.get("email") or "").strip().lower()
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _setting(key: str):
    return lambda: current_app.config[key]


def _login_failed(response) -> bool:
    # A successful sign-in redirects; a failure shows the form again.
    return response.status_code != 302


def _limits(prefix: str, *, deduct_when=None):
    """Two limits, per address and per e-mail, on the POSTs of a view."""
    per_address, per_account = (
        limiter.limit(
            _setting(f"RATELIMIT_{prefix}_PER_{kind.upper()}"),
            key_func=key,
            methods=["POST"],
            deduct_when=deduct_when,
            scope=f"{prefix.lower()}-{kind}",
        )
        for kind, key in (("address", get_remote_address), ("account", submitted_email_key))
    )

    def decorator(view):
        return per_address(per_account(view))

    return decorator


login_limits = _limits("LOGIN", deduct_when=_login_failed)
forgot_password_limits = _limits("FORGOT")
account_request_limits = _limits("REQUEST")

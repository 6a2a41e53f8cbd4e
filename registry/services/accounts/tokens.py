"""Signed, expiring, single-use links for a user: password reset and invitation (and whatever comes next).

A token is signed with the application's secret key (itsdangerous) and carries the user's id, its purpose and a
fingerprint of the account's password hash, session token, e-mail and active flag. Setting a password changes
the hash and the session token, so every link made before is void: a link serves once, and any password change
(or a deactivation, or a new invitation) cancels the links already sent. Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import orm as so

from registry.models import User

#: purpose -> configuration key of its lifetime in seconds.
PURPOSES = {"reset": "PASSWORD_RESET_MAX_AGE", "invite": "INVITATION_MAX_AGE"}
_SALT = "registry.account-link"

INVALID = "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier, ou demandez-en un nouveau."
EXPIRED = "Ce lien a expiré. Demandez-en un nouveau."
USED = "Ce lien a déjà servi ou a été remplacé par un plus récent. Demandez-en un nouveau si besoin."


class TokenError(ValueError):
    """The link cannot be used; ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TokenUse:
    """A valid link: whose it is and what it is for."""

    user: User
    purpose: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def fingerprint(user: User) -> str:
    """Changes whenever the password, the session token, the e-mail or the active flag changes."""
    material = "|".join([str(user.id), user.email, user.password_hash or "", user.session_token, str(user.active)])
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()[:32]


def max_age(purpose: str) -> int:
    """Lifetime of a link of ``purpose``, in seconds."""
    return int(current_app.config[PURPOSES[purpose]])


def make_token(user: User, purpose: str) -> str:
    """A signed token for ``user`` (already flushed: it needs the id) valid for ``purpose``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return _serializer().dumps({"u": user.id, "p": purpose, "f": fingerprint(user)})


def read_token(session: so.Session, token: str, now: float | None = None) -> TokenUse:
    """The user and purpose of a valid token; raises TokenError (tampered, expired, used or replaced)."""
    try:
        data, issued = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise TokenError(INVALID) from None
    if not isinstance(data, dict) or data.get("p") not in PURPOSES or not isinstance(data.get("u"), int):
        raise TokenError(INVALID)
    age = (time.time() if now is None else now) - issued.timestamp()
    if age > max_age(data["p"]) or age < -60:
        raise TokenError(EXPIRED)
    user = session.get(User, data["u"])
    if user is None or not user.active or not hmac.compare_digest(str(data.get("f", "")), fingerprint(user)):
        raise TokenError(USED)
    return TokenUse(user=user, purpose=data["p"])

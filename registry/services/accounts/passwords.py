"""Password policy and hashing (argon2id at OWASP strength), used wherever a password is set."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

from registry.services.records.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 1024
#: zxcvbn scores 0..4; 3 = "safely unguessable" (about 10^8 guesses or more).
MIN_SCORE = 3
ZXCVBN_MAX_LENGTH = 72

# OWASP Password Storage Cheat Sheet: argon2id with at least m=19 MiB, t=2, p=1. We use m=46 MiB, t=1, p=1,
# one of the OWASP-listed equivalent settings, which keeps a login under 100 ms on a small server.
_hasher = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)

_WORDS = ["registre", "lille", "ess", "ville", "mairie", "admin", "motdepasse", "password", "registre-ess-lille"]


def site_words() -> list[str]:
    """The site's own words, which zxcvbn must not count as entropy: the organisation, the host name and its parts,
    the years around today (« Lille2026Lille », « Registre-ESS-Lille » are guessed at once)."""
    words = list(_WORDS)
    year = date.today().year
    years = [str(y) for y in range(year - 2, year + 3)]
    words += years + [word + y for word in ("lille", "registre", "ess", "ville") for y in years]
    if has_app_context():
        config = current_app.config
        for text in (config.get("ORGANISATION_NAME"), urlsplit(config.get("BASE_URL") or "").hostname):
            if text:
                words += [text.lower(), *re.split(r"[\W_]+", text.lower())]
    words += [_squashed(word) for word in words]  # « registreesslille » for the squashed candidate
    return [word for word in dict.fromkeys(words) if word]


def _squashed(password: str) -> str:
    """The password without its separators: « Registre ESS Lille » is judged as « RegistreESSLille » too."""
    return re.sub(r"[\W_]+", "", password)


def check_password_policy(password: str, user_inputs: list[str] | None = None) -> None:
    """At least 12 characters, long passphrases welcome, guessable or common passwords refused."""
    if password is None or len(password) < MIN_LENGTH:
        raise ValidationError(
            f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères. "
            "Une phrase de passe de plusieurs mots est idéale."
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.")
    # zxcvbn's cost grows with length and it refuses more than 72 characters: its judgement of the first 72 is
    # enough (a longer passphrase is judged on its start, and hashed whole).
    words = [*site_words(), *(word.lower() for word in user_inputs or [] if word)]
    words += [part for word in user_inputs or [] for part in re.split(r"[\W_]+", (word or "").lower()) if part]
    scores = (zxcvbn(candidate[:ZXCVBN_MAX_LENGTH], user_inputs=words)["score"] for candidate in _candidates(password))
    if min(scores) < MIN_SCORE:
        raise ValidationError(
            "Ce mot de passe est trop facile à deviner (mot courant, suite de caractères, nom ou "
            "mot de passe déjà divulgué). Choisissez plusieurs mots sans rapport entre eux, par exemple "
            "« girafe-tramway-cerise-piano »."
        )


def _candidates(password: str) -> list[str]:
    squashed = _squashed(password)
    return [password] if squashed in ("", password) else [password, squashed]


def hash_password(password: str) -> str:
    """An argon2id hash of the whole password (no truncation)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    if not password_hash or password is None:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def verify_dummy(password: str) -> None:
    """Spend the same time as a real check, so unknown e-mails cannot be told apart by timing."""
    verify_password(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("dummy password for constant time checks")

"""Configuration: defaults here, then instance/config.py, then REGISTRY_* environment variables.

The mapping given to ``create_app(config)`` (tests) is applied last.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ENV_PREFIX = "REGISTRY_"

#: Environment names that map to a Flask/extension key of another name.
ENV_ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "RATELIMIT_STORAGE_URL": "RATELIMIT_STORAGE_URI",
}


class ConfigurationError(RuntimeError):
    """Start-up refused because the configuration is unsafe or incomplete."""


def defaults(instance_path: str) -> dict:
    """Default settings for development."""
    return {
        "ENV": "development",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "registry.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "ALLOW_SQLITE_IN_PRODUCTION": False,
        "SQLITE_BUSY_TIMEOUT_MS": 15000,
        # Public address used in e-mailed links; never taken from the request's Host header.
        "BASE_URL": "http://127.0.0.1:5000",
        # Host names the app answers for (Flask's TRUSTED_HOSTS): None = the host of BASE_URL, plus localhost and
        # 127.0.0.1 outside production. A request naming another Host gets a 400, never a redirect there.
        "TRUSTED_HOSTS": None,
        "ORGANISATION_NAME": "Ville de Lille",
        "CITY_SIRET": "21590350100017",
        "DPO_CONTACT": "dpo@mairie-lille.fr",
        # Whom partners write to about what only the city may correct (identity, partnerships): the service's
        # address, and its name shown beside it.
        "PARTNER_SERVICE_NAME": "mission Économie sociale et solidaire, Ville de Lille",
        "PARTNER_SERVICE_EMAIL": "ess@mairie-lille.fr",
        # Conventions above this amount must be published in the SCDL file (décret n° 2017-779).
        "SCDL_PUBLICATION_THRESHOLD": 23000,
        "OPEN_DATA_LICENCE": "Licence Ouverte 2.0",
        "OPEN_DATA_LICENCE_URL": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        # Map background of /carte/ (loaded by visitors' browsers; the CSP must allow its origin in img-src).
        "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "MAP_TILE_ATTRIBUTION": "© les contributeurs d'OpenStreetMap",
        # Mail: "file" writes instance/outbox/*.eml and logs; "smtp" sends.
        "MAIL_BACKEND": "file",
        "MAIL_SENDER": "Registre ESS de Lille <ne-pas-repondre@registre-ess.lille.example>",
        "MAIL_SMTP_HOST": "localhost",
        "MAIL_SMTP_PORT": 587,
        "MAIL_SMTP_USER": None,
        "MAIL_SMTP_PASSWORD": None,
        "MAIL_SMTP_STARTTLS": True,
        "MAIL_SMTP_SSL": False,
        "MAIL_SMTP_TIMEOUT": 10,
        "MAIL_OUTBOX": str(Path(instance_path) / "outbox"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "PASSWORD_RESET_MAX_AGE": 3600,
        "INVITATION_MAX_AGE": 7 * 24 * 3600,
        "ACCOUNT_REQUEST_RETENTION_DAYS": 90,
        "CITIZEN_REPORT_RETENTION_DAYS": 365,
        # Redis shared by the app servers (production): data version of the caches, and the rate-limit counters
        # when RATELIMIT_STORAGE_URI is left to memory. None = one machine, no Redis.
        "REDIS_URL": None,
        # Rate limiting: memory by default; a shared store (redis://...) when several processes serve.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        # Per client address and per e-mail typed; sign-in counts failed attempts only (registry/auth/limits.py).
        "RATELIMIT_LOGIN_PER_ADDRESS": "30 per 15 minutes",
        "RATELIMIT_LOGIN_PER_ACCOUNT": "10 per 15 minutes",
        "RATELIMIT_FORGOT_PER_ADDRESS": "10 per hour",
        "RATELIMIT_FORGOT_PER_ACCOUNT": "3 per hour",
        "RATELIMIT_REQUEST_PER_ADDRESS": "5 per hour",
        "RATELIMIT_REQUEST_PER_ACCOUNT": "3 per day",
        # « Signaler une erreur » on the public pages (per client address, per e-mail typed).
        "RATELIMIT_REPORT_PER_ADDRESS": "5 per hour",
        "RATELIMIT_REPORT_PER_ACCOUNT": "5 per day",
        # Security headers (registry/security.py). Behind a reverse proxy, TRUSTED_PROXIES = how many proxies set
        # X-Forwarded-For/-Proto (client address for rate limits, HTTPS detection for HSTS); 0 = none trusted.
        "TRUSTED_PROXIES": 0,
        # The reverse proxy's addresses or networks: X-Forwarded-* are believed from them only.
        "TRUSTED_PROXY_ADDRESSES": ["127.0.0.1", "::1"],
        "CONTENT_SECURITY_POLICY": {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self' data:",
            "connect-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        "HSTS_MAX_AGE": 365 * 24 * 3600,
        # Uploads and workbooks.
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "IMPORT_MAX_ROWS": 200_000,
        "IMPORT_UPLOAD_TTL": 3600,
        # Public services read by the registry (registry/services/connectors): base URLs, patience, limits.
        "SIRENE_API_URL": "https://recherche-entreprises.api.gouv.fr",
        "GEOCODER_URL": "https://data.geopf.fr/geocodage",
        "CONNECTOR_TIMEOUT": 5,  # seconds for one request
        "CONNECTOR_RETRIES": 2,  # further tries after a timeout, a 5xx or a 429
        "CONNECTOR_BACKOFF": 0.5,  # seconds before the first retry, doubled at each one
        "CONNECTOR_MAX_WAIT": 5,  # a 429 asking to wait longer than this is not waited for
        "CONNECTOR_CACHE_SECONDS": 3600,
        "SIRENE_PER_SECOND": 7,  # the API's documented limit per address
        "GEOCODER_PER_SECOND": 40,  # the Géoplateforme allows 50
        # A geocoded position below this score is proposed to an officer, never applied by the bulk run.
        "GEOCODE_MIN_SCORE": 0.8,
        "GEOCODE_BULK_MAX": 500,  # actors geocoded by one bulk run at most
        "RATELIMIT_LOOKUP": "30 per minute",  # « Compléter » and « Géolocaliser » clicks per user
        # Back office.
        "RENEWAL_WINDOW_DAYS": 90,
        "ADMIN_PAGE_SIZE": 20,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(hours=12),
    }


def _parse_env_value(raw: str):
    """Read an environment value: JSON literals (true, 3, {...}) when they parse, else the text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_environment(environ=None) -> dict:
    """Settings read from REGISTRY_* environment variables."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :]
        values[ENV_ALIASES.get(key, key)] = _parse_env_value(raw)
    # Secrets and URLs are always text, even when they look like numbers.
    for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BASE_URL", "MAIL_SMTP_PASSWORD", "REDIS_URL"):
        if key in values and values[key] is not None:
            values[key] = str(values[key])
    return values


def ensure_secret_key(app) -> None:
    """Give the app a secret key: configured, or in development generated once into instance/."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV"] == "production":
        raise ConfigurationError(
            "REGISTRY_SECRET_KEY est obligatoire en production : définissez une clé secrète longue et aléatoire "
            "(par exemple : python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def trusted_hosts(config) -> list[str]:
    """The configured TRUSTED_HOSTS, or the host of BASE_URL (and, outside production, the loopback names)."""
    if config.get("TRUSTED_HOSTS"):
        hosts = config["TRUSTED_HOSTS"]
        return [hosts] if isinstance(hosts, str) else list(hosts)
    hosts = [urlsplit(config["BASE_URL"]).hostname or "localhost"]
    if config["ENV"] != "production":
        hosts += ["localhost", "127.0.0.1"]
    return list(dict.fromkeys(hosts))


def shared_rate_limits(config) -> None:
    """With REDIS_URL and the rate limits left to memory, the limits count in that Redis (every server alike)."""
    if config.get("REDIS_URL") and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]


def server_engine_options(config) -> None:
    """A database server may restart under the app (an upgrade, a failover): each pooled connection is checked
    before use, so the requests after the restart reconnect by themselves instead of failing on a dead connection.
    SQLite, a file, needs no such check."""
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}


def check_production(app) -> None:
    """Refuse unsafe production settings with a clear message."""
    shared_rate_limits(app.config)
    server_engine_options(app.config)
    if app.config["ENV"] != "production":
        return
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite") and not app.config.get("ALLOW_SQLITE_IN_PRODUCTION"):
        raise ConfigurationError(
            "SQLite n'est pas prévu pour la production : définissez REGISTRY_DATABASE_URL "
            "(postgresql+psycopg://...) ou, en connaissance de cause, REGISTRY_ALLOW_SQLITE_IN_PRODUCTION=true."
        )
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory") and app.config.get("RATELIMIT_ENABLED"):
        raise ConfigurationError(
            "En production, les compteurs de tentatives (connexion, mot de passe oublié, demande d'accès) doivent être "
            "partagés par tous les serveurs : définissez REGISTRY_REDIS_URL=redis://... (ou "
            "REGISTRY_RATELIMIT_STORAGE_URL=redis://...) ; voir README, Production."
        )
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        PREFERRED_URL_SCHEME="https",
    )
    app.debug = False

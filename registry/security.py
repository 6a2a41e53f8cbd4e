"""HTTP hardening: security headers with the CSP nonce shared by our templates and Flask-Admin, trusted proxies,
``Cache-Control: no-store`` on private pages, and one-time tokens scrubbed from access logs."""

from __future__ import annotations

import ipaddress
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import flask
from flask import Flask, request
from flask_login import current_user
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from registry.templating import csp_nonce

log = logging.getLogger(__name__)

#: Blueprints whose pages are always private (forms with CSRF tokens, links, personal pages).
PRIVATE_BLUEPRINTS = {"auth", "partner"}
#: Browser features the pages may ask for (the map may locate the visitor; nothing else).
PERMISSIONS_POLICY = {"geolocation": "(self)", "camera": "()", "microphone": "()", "payment": "()"}


class FromProxiesOnly:
    """ProxyFix for the requests that come from the reverse proxy's address (nginx): X-Forwarded-For and
    X-Forwarded-Proto of anyone else (a client reaching an app server directly) are dropped, not believed."""

    def __init__(self, app, proxies: int, addresses):
        self.app, self.networks = app, [ipaddress.ip_network(a, strict=False) for a in addresses]
        self.fixed = ProxyFix(app, x_for=proxies, x_proto=proxies)

    def from_proxy(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.from_proxy(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for name in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST"):
            environ.pop(name, None)
        return self.app(environ, start_response)


class RegistryTalisman(Talisman):
    """Flask-Talisman using ``registry.templating.csp_nonce()`` as the nonce, the one our templates and
    Flask-Admin (``csp_nonce_generator``) put on their inline scripts and styles."""

    def _make_nonce(self):
        flask.request.csp_nonce = csp_nonce()

    def _set_response_headers(self, response):
        flask.request.csp_nonce = csp_nonce()  # also for error pages rendered before any before_request ran
        return super()._set_response_headers(response)


def seconds(value) -> float:
    """A duration setting given as a timedelta or a number of seconds."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def content_security_policy(config) -> dict:
    """The configured CSP, with the map's tile server allowed as an image source."""
    policy = dict(config["CONTENT_SECURITY_POLICY"])
    tiles = urlsplit(config.get("MAP_TILE_URL") or "")
    if tiles.scheme in ("http", "https") and tiles.netloc:
        origin = f"{tiles.scheme}://{tiles.netloc}"
        sources = policy.get("img-src", "'self'")
        if origin not in sources.split():
            policy["img-src"] = f"{sources} {origin}"
    return policy


def init_security(app: Flask) -> None:
    """Install the proxy fix, the headers, the cache policy and the log scrubber."""
    production = app.config["ENV"] == "production"
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = FromProxiesOnly(
            app.wsgi_app, proxies, app.config.get("TRUSTED_PROXY_ADDRESSES") or ("127.0.0.1", "::1")
        )
    for key in ("REMEMBER_COOKIE_DURATION", "PERMANENT_SESSION_LIFETIME"):
        app.config[key] = timedelta(seconds=seconds(app.config[key]))
    talisman = RegistryTalisman()
    talisman.init_app(
        app,
        force_https=False,  # the TLS proxy redirects; HSTS below keeps browsers on https
        frame_options="DENY",
        strict_transport_security=production,
        strict_transport_security_max_age=int(app.config["HSTS_MAX_AGE"]),
        strict_transport_security_include_subdomains=False,
        content_security_policy=content_security_policy(app.config),
        content_security_policy_nonce_in=["script-src", "style-src"],
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=bool(app.config["SESSION_COOKIE_SECURE"]),
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.extensions["talisman"] = talisman
    app.after_request(no_store_private_pages)
    install_log_scrubber()


def is_private_page() -> bool:
    """Back office, sign-in and partner pages, and every page seen by a signed-in user."""
    if request.endpoint and (request.endpoint == "static" or request.endpoint.endswith(".static")):
        return False
    if request.path.startswith("/admin") or request.blueprint in PRIVATE_BLUEPRINTS:
        return True
    return bool(current_user and current_user.is_authenticated)


def no_store_private_pages(response):
    """Private pages are never stored by the browser or a shared cache (back button, shared computers)."""
    if is_private_page():
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.vary.add("Cookie")
    return response


#: The token of an e-mailed link (/mot-de-passe/<token>); the form page /mot-de-passe/nouveau holds none.
_TOKEN_IN_PATH = re.compile(r"(/mot-de-passe/)(?!nouveau(?:[\s?\"']|$))[^\s?\"'/]+")
SCRUBBED = "[jeton masqué]"


def scrub_tokens(text: str) -> str:
    """``text`` with the token of any password link replaced."""
    return _TOKEN_IN_PATH.sub(r"\1" + SCRUBBED, text)


class TokenScrubber(logging.Filter):
    """Rewrites log records that contain a password-link token (werkzeug's and gunicorn's access lines, our
    error log of the request path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        scrubbed = scrub_tokens(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


_scrubber = TokenScrubber()


def install_log_scrubber() -> None:
    """On the access loggers (werkzeug, gunicorn) and on the root handlers that every module's records reach."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if _scrubber not in logger.filters:
            logger.addFilter(_scrubber)
    for handler in logging.getLogger().handlers:
        if _scrubber not in handler.filters:
            handler.addFilter(_scrubber)

"""The clients of an application, built once from its settings (base URLs, timeouts, retries, limits). A form's
click gets a less patient client than a bulk run: one retry at most and no long Retry-After wait, so a person (and
a server worker) is not kept waiting for a service that is down."""

from __future__ import annotations

from flask import current_app

from registry.services.connectors import geocoder, sirene
from registry.services.connectors.http import JsonClient

SETTINGS = {
    "sirene": ("SIRENE_API_URL", "SIRENE_PER_SECOND", sirene.NAME),
    "geocoder": ("GEOCODER_URL", "GEOCODER_PER_SECOND", geocoder.NAME),
}
#: A form's click: at most this many retries and this many seconds of Retry-After waited for.
INTERACTIVE_RETRIES = 1
INTERACTIVE_MAX_WAIT = 2.0


def build_client(config, which: str, *, interactive: bool = False) -> JsonClient:
    """A client of ``which`` ("sirene" or "geocoder") configured by ``config``."""
    url_key, rate_key, name = SETTINGS[which]
    retries, max_wait = int(config["CONNECTOR_RETRIES"]), float(config["CONNECTOR_MAX_WAIT"])
    if interactive:
        retries, max_wait = min(retries, INTERACTIVE_RETRIES), min(max_wait, INTERACTIVE_MAX_WAIT)
    return JsonClient(
        name,
        config[url_key],
        timeout=float(config["CONNECTOR_TIMEOUT"]),
        retries=retries,
        backoff=float(config["CONNECTOR_BACKOFF"]),
        max_wait=max_wait,
        per_second=float(config[rate_key]),
        cache_ttl=float(config["CONNECTOR_CACHE_SECONDS"]),
    )


def client(which: str, *, interactive: bool = False) -> JsonClient:
    """The current application's client of ``which`` (made at first use, then shared: its cache with it)."""
    clients = current_app.extensions.setdefault("registry_connectors", {})
    key = (which, interactive)
    if key not in clients:
        clients[key] = build_client(current_app.config, which, interactive=interactive)
    return clients[key]

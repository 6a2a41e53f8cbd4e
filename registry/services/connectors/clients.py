"""The two clients of an application, built once from its settings (base URLs, timeouts, retries, limits)."""

from __future__ import annotations

from flask import current_app

from registry.services.connectors import geocoder, sirene
from registry.services.connectors.http import JsonClient

SETTINGS = {
    "sirene": ("SIRENE_API_URL", "SIRENE_PER_SECOND", sirene.NAME),
    "geocoder": ("GEOCODER_URL", "GEOCODER_PER_SECOND", geocoder.NAME),
}


def build_client(config, which: str) -> JsonClient:
    """A client of ``which`` ("sirene" or "geocoder") configured by ``config``."""
    url_key, rate_key, name = SETTINGS[which]
    return JsonClient(
        name,
        config[url_key],
        timeout=float(config["CONNECTOR_TIMEOUT"]),
        retries=int(config["CONNECTOR_RETRIES"]),
        backoff=float(config["CONNECTOR_BACKOFF"]),
        max_wait=float(config["CONNECTOR_MAX_WAIT"]),
        per_second=float(config[rate_key]),
        cache_ttl=float(config["CONNECTOR_CACHE_SECONDS"]),
    )


def client(which: str) -> JsonClient:
    """The current application's client of ``which`` (made at first use, then shared: its cache with it)."""
    clients = current_app.extensions.setdefault("registry_connectors", {})
    if which not in clients:
        clients[which] = build_client(current_app.config, which)
    return clients[which]

"""A small JSON-over-HTTP client: base URL, timeouts, retries with backoff, 429 with Retry-After, a spacing between
calls (a service's rate limit), and an in-process TTL cache of successful answers."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from email.utils import parsedate_to_datetime

import requests

USER_AGENT = "registre-ess-lille/1.0 (+https://registre-ess.lille.example)"
#: Answers worth another try: the service is overloaded or restarting.
RETRIED_STATUSES = frozenset({500, 502, 503, 504})


class ServiceUnavailable(Exception):
    """The service could not answer (network, timeout, errors, rate limit); ``str()`` is a French message."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TtlCache:
    """Answers kept ``ttl`` seconds, at most ``size`` of them (the oldest dropped first); thread-safe."""

    def __init__(self, ttl: float, size: int = 512):
        self.ttl, self.size = ttl, size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                self._items.pop(key, None)
                return None
            return item[1]

    def put(self, key, value) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def retry_after_seconds(value: str | None) -> float | None:
    """The Retry-After header as seconds (a number, or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class JsonClient:
    """GET ``base_url + path`` and read JSON. ``name`` is the service's French name, used in messages."""

    def __init__(self, name: str, base_url: str, *, timeout: float = 5.0, retries: int = 2, backoff: float = 0.5,
                 max_wait: float = 5.0, per_second: float = 0.0, cache_ttl: float = 3600.0, cache_size: int = 512,
                 sleep=time.sleep):  # fmt: skip
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout, self.retries, self.backoff, self.max_wait = timeout, retries, backoff, max_wait
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.cache = TtlCache(cache_ttl, cache_size)
        self.sleep = sleep
        self.calls = 0  # requests actually sent (for tests and benchmarks)
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._spacing = threading.Lock()
        self._last = 0.0

    def _wait_turn(self) -> None:
        """Keep at least ``interval`` seconds between two requests of this client (all threads together)."""
        if not self.interval:
            return
        with self._spacing:
            delay = self._last + self.interval - time.monotonic()
            if delay > 0:
                self.sleep(delay)
            self._last = time.monotonic()

    def get_json(self, path: str, params: dict) -> dict:
        """The decoded JSON answer (cached); ServiceUnavailable with a French message when none can be had."""
        key = (path, tuple(sorted((k, str(v)) for k, v in params.items())))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        url = self.base_url + path
        last_problem = "aucune réponse"
        retry_after = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(max(retry_after or 0.0, self.backoff * (2 ** (attempt - 1))))
            retry_after = None
            self._wait_turn()
            self.calls += 1
            try:
                response = self._session.get(url, params=params, timeout=self.timeout)
            except requests.Timeout:
                last_problem = f"pas de réponse en {self.timeout:g} s"
                continue
            except requests.RequestException:
                last_problem = "service injoignable"
                continue
            if response.status_code == 429:
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                last_problem = "trop de demandes en peu de temps"
                if retry_after is not None and retry_after > self.max_wait:
                    raise ServiceUnavailable(self._message(last_problem, retry_after), retry_after=retry_after)
                continue
            if response.status_code in RETRIED_STATUSES:
                last_problem = f"erreur {response.status_code} du service"
                continue
            if response.status_code != 200:
                raise ServiceUnavailable(self._message(f"demande refusée (erreur {response.status_code})"))
            try:
                data = response.json()
            except ValueError:
                raise ServiceUnavailable(self._message("réponse illisible")) from None
            self.cache.put(key, data)
            return data
        raise ServiceUnavailable(self._message(last_problem, retry_after), retry_after=retry_after)

    def _message(self, problem: str, retry_after: float | None = None) -> str:
        later = f"réessayez dans {int(retry_after) + 1} s" if retry_after else "réessayez plus tard"
        return (f"{self.name} n'a pas pu répondre ({problem}) : {later}. "
                "La saisie manuelle reste possible.")  # fmt: skip

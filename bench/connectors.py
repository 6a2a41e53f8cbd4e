"""The public services' clients on loopback: a local server answering in the geocoder's and the register's formats
stands for them, so the figures are the client's own (spacing, retries, cache), not the internet's. Prints: the
rate of N geocoding calls under the 40 req/s spacing, the cost of a cached answer, the time a 429 with
Retry-After costs, and a bulk comparison of N actors on SQLite. Asserts nothing.

    .venv/bin/python -m bench.connectors [N]
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

from flask_migrate import upgrade
from werkzeug import Request, Response
from werkzeug.serving import WSGIRequestHandler, make_server

from registry import create_app
from registry.extensions import db
from registry.services.connectors import geocoder, sirene
from registry.services.connectors.checks import compare_register
from registry.services.connectors.clients import client
from registry.services.connectors.http import JsonClient
from registry.services.reference.loading import load_reference
from tests.connectors_support import feature, geocode_answer, sirene_answer, sirene_result
from tests.factories import luhn_siret, make_actor

_limited = {"left": 0}


class QuietHandler(WSGIRequestHandler):
    """No access line per request (they would drown the figures)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@Request.application
def services(request: Request) -> Response:
    import json

    if _limited["left"] > 0:
        _limited["left"] -= 1
        return Response("Too Many Requests", status=429, headers={"Retry-After": "1"})
    if request.path.startswith("/geocodage"):
        return Response(json.dumps(geocode_answer(feature())), content_type="application/json")
    siret = request.args.get("q", "")
    return Response(json.dumps(sirene_answer(sirene_result(siret))), content_type="application/json")


def main(count: int = 200) -> None:
    server = make_server("127.0.0.1", 0, services, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    geo = JsonClient(geocoder.NAME, base + "/geocodage", per_second=40, cache_ttl=3600)
    started = time.monotonic()
    for n in range(count):
        geocoder.geocode(geo, f"{n} rue Pierre Legrand", "59800", "Lille")
    elapsed = time.monotonic() - started
    print(f"{count} géocodages espacés à 40/s : {elapsed:.2f} s, soit {count / elapsed:.1f} requêtes/s")
    started = time.monotonic()
    for n in range(count):
        geocoder.geocode(geo, f"{n} rue Pierre Legrand", "59800", "Lille")
    cached = (time.monotonic() - started) / count * 1e6
    print(f"{count} réponses reprises du cache : {cached:.0f} µs chacune ({geo.calls} requêtes envoyées en tout)")
    _limited["left"] = 1
    fresh = JsonClient(sirene.NAME, base + "/sirene")
    started = time.monotonic()
    sirene.find_establishment(fresh, "44306184100047")
    print(f"Un 429 « Retry-After: 1 » puis la réponse : {time.monotonic() - started:.2f} s ({fresh.calls} requêtes)")

    tmp = Path(tempfile.mkdtemp(prefix="connectors-"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}", "MAIL_OUTBOX": str(tmp / "o"),
                      "SIRENE_API_URL": base + "/sirene", "SIRENE_PER_SECOND": 7})  # fmt: skip
    with app.app_context():
        upgrade()
        load_reference(db.session)
        actors = min(count, 50)
        for n in range(actors):
            make_actor(db.session, name=f"Acteur {n}", siret=luhn_siret(f"4{n:07d}"))
        db.session.commit()
        started = time.monotonic()
        report = compare_register(db.session, client("sirene"))
        db.session.commit()
        elapsed = time.monotonic() - started
        print(f"Comparaison de {actors} acteurs au répertoire (espacée à 7/s) : {elapsed:.2f} s — {report.summary}")
    server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)

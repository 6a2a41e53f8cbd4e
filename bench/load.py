"""Mixed, bounded load on the production stack started on loopback (bench/cluster.py), then faults (issue 16).

    python -m bench.load postgresql+psycopg://…/registry --officer agent.demo@example.org --password … [--seconds 30]

The database must be set up (``flask --app wsgi registry setup``: demo data and accounts). A bounded pool of
threads (``--clients``) drives, through nginx: public pages, the public API, workbook imports previewed on one
app server and confirmed on the other, and wrong sign-ins on one account (the limit of 10 must hold across both
servers). It prints requests, 5xx and p50/p95/p99 per kind, then runs the faults, each with what happened:
Redis stopped (the site keeps serving; sign-in fails closed in French), nginx reloaded under load, one app server
killed in the middle of an import (the batch is applied whole or stays previewed, never half applied).

Done: the figures per kind, the rate-limit bar, the Redis, nginx-reload and killed-server faults. Not yet: officers
editing the same and different records and partners saving profiles (lost updates against the audit chain), and
the PostgreSQL restart fault.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

from bench.cluster import Cluster

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DEMO = Path(__file__).resolve().parent.parent / "seed_data"


class Visitor:
    """One browser: cookies kept by hand (production cookies are Secure; nginx says https)."""

    def __init__(self, base: str, record):
        self.base, self.cookies, self.record = base, {}, record

    def call(self, kind: str, method: str, path: str, base: str | None = None, **kwargs) -> requests.Response | None:
        start = time.perf_counter()
        try:
            response = requests.request(
                method, (base or self.base) + path, cookies=self.cookies, allow_redirects=False, timeout=60, **kwargs
            )
        except requests.RequestException:
            self.record(kind, time.perf_counter() - start, 599)
            return None
        self.record(kind, time.perf_counter() - start, response.status_code)
        self.cookies.update(response.cookies.get_dict())
        return response

    def post(self, kind, path, form=None, base=None, files=None, **data):
        page = self.call(kind, "GET", form or path, base=base)
        match = page is not None and CSRF.search(page.text)
        if not match:
            return None
        headers = {"Referer": (base or self.base).replace("http://", "https://") + (form or path)}
        return self.call(kind, "POST", path, base=base, data={**data, "csrf_token": match.group(1)}, files=files,
                         headers=headers)  # fmt: skip


class Figures:
    def __init__(self):
        self.times, self.codes, self.lock = defaultdict(list), defaultdict(list), threading.Lock()

    def record(self, kind, seconds, code):
        with self.lock:
            self.times[kind].append(seconds)
            self.codes[kind].append(code)

    def print(self, title):
        print(f"\n{title}\n{'kind':<12}{'requests':>9}{'5xx':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for kind in sorted(self.times):
            values = sorted(self.times[kind])
            q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
            errors = sum(code >= 500 for code in self.codes[kind])
            print(f"{kind:<12}{len(values):>9}{errors:>6}{q[49] * 1000:>9.1f}{q[94] * 1000:>9.1f}{q[98] * 1000:>9.1f}")


def workbook() -> bytes:
    from tests.workbook_helpers import actor, actors_sheet, xlsx

    tag = random.randrange(10**6)
    return xlsx({"Acteurs": actors_sheet(*(actor(tag * 10 + i) for i in range(3)))})


def officer_visitor(cluster, figures, email, password):
    visitor = Visitor(cluster.app_url(0), figures.record)
    visitor.post("signin", "/connexion", email=email, password=password)
    return visitor


def import_through_both(cluster, figures, visitor, data=None):
    """Preview on server 0, confirm on server 1; returns the preview's address."""
    preview = visitor.post("import", "/admin/import/", form="/admin/import/", base=cluster.app_url(0),
                           files={"fichier": ("charge.xlsx", io.BytesIO(data or workbook()))})  # fmt: skip
    if preview is None or preview.status_code != 302:
        return None
    location = preview.headers["Location"].replace(cluster.url, "")
    visitor.post("import", location + "/confirmer", form=location, base=cluster.app_url(1))
    return location


def run_load(cluster, figures, seconds, clients, officer):
    deadline = time.monotonic() + seconds
    public = ["/", "/acteurs/", "/initiatives/", "/prets/", "/carte/", "/recherche?q=insertion", "/donnees/"]
    api = ["/api/v1/actors", "/api/v1/initiatives", "/api/v1/loan-programmes", "/api/v1/actors.geojson"]
    imports = officer_visitor(cluster, figures, *officer)

    def worker(n):
        visitor = Visitor(cluster.url, figures.record)
        while time.monotonic() < deadline:
            roll = random.random()
            if roll < 0.55:
                visitor.call("public", "GET", random.choice(public))
            elif roll < 0.9:
                visitor.call("api", "GET", random.choice(api))
            elif n == 0:
                import_through_both(cluster, figures, imports)
            else:
                visitor.call("health", "GET", "/sante")

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))


def rate_limit_bar(cluster, figures, email) -> list[int]:
    codes = []
    for attempt in range(15):
        visitor = Visitor(cluster.app_url(attempt % 2), figures.record)
        response = visitor.post("signin-bad", "/connexion", email=email, password=f"faux-{attempt}")
        codes.append(response.status_code if response is not None else 599)
    return codes


def batches(database_url) -> list[tuple[int, str, int | None]]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, status, (SELECT count(*) FROM audit_events e WHERE e.batch_id = b.id)"
                                    " FROM import_batches b ORDER BY id")).all()  # fmt: skip
    engine.dispose()
    return [tuple(row) for row in rows]


def faults(cluster, figures, officer, database_url):
    print("\nFaults")
    # nginx reload under load: no request lost.
    visitor = Visitor(cluster.url, figures.record)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(lambda: [visitor.call("reload", "GET", "/") for _ in range(40)]) for _ in range(4)]
        time.sleep(0.5)
        cluster.reload_nginx()
        for future in futures:
            future.result()
    codes = figures.codes["reload"]
    print(f"- nginx reloaded under load: {len(codes)} requests, {sum(c >= 500 for c in codes)} failed")
    # One app server killed in the middle of an import: applied whole, or still previewed; never half applied.
    officer_client = officer_visitor(cluster, figures, *officer)
    before = {b[0] for b in batches(database_url)}
    thread = threading.Thread(target=import_through_both, args=(cluster, figures, officer_client))
    thread.start()
    time.sleep(0.3)
    cluster.kill_app(1)
    thread.join()
    new = [b for b in batches(database_url) if b[0] not in before]
    print(f"- app server 1 killed mid-import: batches {new} (status, audit lines: all or none)")
    cluster.start_app(1)
    # Redis stopped: the site serves, sign-in fails closed in French.
    if cluster.redis is not None:
        cluster.redis.terminate()
        cluster.redis.wait()
        home = requests.get(cluster.url + "/", timeout=30)
        signin = Visitor(cluster.url, figures.record).post("signin", "/connexion", email=officer[0], password="x")  # noqa: S106
        health = requests.get(cluster.app_url(0) + "/sante", timeout=30)
        said = signin is not None and "indisponible" in signin.text
        status = signin.status_code if signin is not None else "none"
        print(
            f"- Redis stopped: home {home.status_code}, sign-in {status} (French message: {said}), /sante "
            f"{health.status_code}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--officer", required=True, help="an officer's e-mail")
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    officer = (args.officer, args.password)
    with Cluster(args.database_url) as cluster:
        figures = Figures()
        run_load(cluster, figures, args.seconds, args.clients, officer)
        figures.print(f"Mixed load, {args.clients} clients, {args.seconds:.0f} s, through nginx → 2 app servers")
        codes = rate_limit_bar(cluster, figures, "cible-bench@example.org")
        print(f"\nRate limit over both servers (15 wrong passwords, limit 10): {codes.count(429)} refused")
        faults(cluster, figures, officer, args.database_url)


if __name__ == "__main__":
    main()

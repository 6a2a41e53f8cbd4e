"""Mixed, bounded load on the production stack started on loopback (bench/cluster.py), then faults (issue 16).

    python -m bench.load [--seconds 30] [--clients 8] [--editors 4]

Everything runs on loopback and is thrown away afterwards: a PostgreSQL server of its own (the fault runs stop and
start it), Redis, two gunicorn app servers and nginx in front. The registry is set up with the demo data and
accounts (``registry setup``), plus one partner account per edited organisation.

A bounded pool of threads drives, through nginx: public pages and the public API, workbook imports previewed on one
app server and confirmed on the other, officers editing the same actor and different actors (the form read on one
server, saved through the other), partners saving their profiles, and wrong sign-ins on one account (the limit of 10
must hold across both servers). It prints requests, 5xx and p50/p95/p99 per kind, and the lost updates: every save
an editor was told had succeeded must be in the audit chain with exactly the change it made.

Then the faults, each with what happened and the integrity checks (``registry verifier-integrite``) after it:
nginx reloaded under load, one app server killed in the middle of an import (the batch is applied whole or stays
previewed, never half applied), Redis stopped (the site keeps serving; sign-in fails closed in French), PostgreSQL
stopped and started again (requests fail with a French 503, then recover by themselves).

The CI runs a short version of the same (tests/test_load.py); the README keeps the figures of a full run.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa

from bench.cluster import Cluster, Postgres, check_integrity, setup_registry

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "charge-du-registre-" + "x" * 12
PUBLIC = ["/", "/acteurs/", "/initiatives/", "/prets/", "/carte/", "/recherche?q=insertion", "/donnees/"]
API = ["/api/v1/actors", "/api/v1/initiatives", "/api/v1/loan-programmes", "/api/v1/actors.geojson"]


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

    def save_form(self, kind, path, read_on, save_on, action=None, **values) -> requests.Response | None:
        """Read a record form on one server and submit it, with ``values`` changed, through the other."""
        from tests.admin_support import changed, read_form

        page = self.call(kind, "GET", path, base=read_on)
        if page is None or page.status_code != 200:
            return None
        fields = changed(read_form(page.text, action), **values)
        headers = {"Referer": read_on.replace("http://", "https://") + path}
        return self.call(kind, "POST", path, base=save_on, data=fields, headers=headers)


class Figures:
    def __init__(self):
        self.times, self.codes, self.lock = defaultdict(list), defaultdict(list), threading.Lock()

    def record(self, kind, seconds, code):
        with self.lock:
            self.times[kind].append(seconds)
            self.codes[kind].append(code)

    def server_errors(self) -> dict[str, int]:
        return {kind: sum(c >= 500 for c in codes) for kind, codes in self.codes.items()}

    def print(self, title):
        print(f"\n{title}\n{'kind':<12}{'requests':>9}{'5xx':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for kind in sorted(self.times):
            values = sorted(self.times[kind])
            q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
            errors = sum(code >= 500 for code in self.codes[kind])
            print(f"{kind:<12}{len(values):>9}{errors:>6}{q[49] * 1000:>9.1f}{q[94] * 1000:>9.1f}{q[98] * 1000:>9.1f}")


@dataclass
class Edits:
    """The saves the editors were told had succeeded, (actor id, the text they wrote), and the refusals."""

    saved: list[tuple[int, str]] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, response, actor_id: int, text: str) -> None:
        with self.lock:
            if response is not None and response.status_code == 302:
                self.saved.append((actor_id, text))
            elif response is not None and "modifiée" in response.text:
                self.refused["stale form"] += 1  # « modifiée entre-temps »: opened before another save
            else:
                self.refused[f"other ({getattr(response, 'status_code', 'no answer')})"] += 1


def workbook() -> bytes:
    from tests.workbook_helpers import actor, actors_sheet, xlsx

    tag = random.randrange(10**6)
    return xlsx({"Acteurs": actors_sheet(*(actor(tag * 10 + i) for i in range(3)))})


def signed_in(base, figures, email, password) -> Visitor:
    visitor = Visitor(base, figures.record)
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


def accounts(database_url: str, role: str, count: int) -> list[tuple[int | None, str]]:
    """``count`` accounts of ``role`` with the load's password: partners get one organisation each among the actors
    without an account, officers none (each editor signs in with an account of its own). [(actor id, e-mail)]."""
    from registry.models import Actor, Role, User
    from registry.services.accounts.passwords import hash_password

    engine = sa.create_engine(database_url)
    password_hash = hash_password(PASSWORD)
    with engine.begin() as conn:
        if role == "partner":
            taken = sa.select(User.actor_id).where(User.actor_id.is_not(None))
            ids = conn.scalars(sa.select(Actor.id).where(Actor.id.not_in(taken)).order_by(Actor.id).limit(count))
            made = [(ident, f"charge.partenaire{ident}@example.org") for ident in ids]
        else:
            made = [(None, f"charge.{role}{n}@example.org") for n in range(count)]
        common = {"role": Role(role), "password_hash": password_hash, "active": True}
        rows = [
            {"email": email, "full_name": f"Compte de charge {n}", "actor_id": ident, **common}
            for n, (ident, email) in enumerate(made)
        ]
        conn.execute(sa.insert(User.__table__), rows)
    engine.dispose()
    return made


def actor_ids(database_url: str) -> list[int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        ids = list(conn.scalars(sa.text("SELECT id FROM actors ORDER BY id")))
    engine.dispose()
    return ids


def run_load(cluster, figures, edits, seconds, clients, officer, officers, partner_accounts, own_actors):
    deadline = time.monotonic() + seconds
    imports = signed_in(cluster.app_url(0), figures, *officer)
    servers = [cluster.app_url(0), cluster.app_url(1)]
    # Every officer edits the first partner's actor too (with its partner): stale forms are refused, never lost.
    shared_actor = partner_accounts[0][0]

    def officer_edits(n):
        visitor = signed_in(servers[n % 2], figures, officers[n][1], PASSWORD)
        own = own_actors[n]  # nobody else edits it: every save goes through
        k = 0
        while time.monotonic() < deadline:
            ident = shared_actor if k % 2 else own
            text = f"Présentation revue par l'agent {n}, passage {k} : assez longue pour être acceptée telle quelle."
            read_on, save_on = random.sample(servers, 2)
            response = visitor.save_form("edit", f"/admin/actor/edit/?id={ident}", read_on, save_on, description=text)
            edits.note(response, ident, text)
            k += 1

    def partner_saves(n):
        ident, email = partner_accounts[n % len(partner_accounts)]
        visitor = signed_in(servers[n % 2], figures, email, PASSWORD)
        k = 0
        while time.monotonic() < deadline:
            text = f"Présentation écrite par la structure {ident}, version {n}-{k}, assez longue pour la fiche."
            read_on, save_on = random.sample(servers, 2)
            response = visitor.save_form("partner", "/espace-partenaire/profil", read_on, save_on, "profil",
                                         description=text)  # fmt: skip
            edits.note(response, ident, text)
            k += 1
            time.sleep(0.2)

    def reader(n):
        visitor = Visitor(cluster.url, figures.record)
        while time.monotonic() < deadline:
            roll = random.random()
            if roll < 0.6:
                visitor.call("public", "GET", random.choice(PUBLIC))
            elif roll < 0.95:
                visitor.call("api", "GET", random.choice(API))
            elif n == 0:
                import_through_both(cluster, figures, imports)
            else:
                visitor.call("health", "GET", "/sante")

    jobs = [(officer_edits, n) for n in range(len(officers))]
    jobs += [(partner_saves, n) for n in range(len(partner_accounts))]
    jobs += [(reader, n) for n in range(clients)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(job, n) for job, n in jobs]:
            future.result()


def lost_updates(database_url: str, edits: Edits) -> list[str]:
    """The saves an editor was told had succeeded but that the audit chain does not hold as made: no event with the
    text written, or an event that changed more than the one field the editor changed."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT entity_id, changes FROM audit_events WHERE entity_type = 'Actor' "
                                    "AND source IN ('admin', 'partner')")).all()  # fmt: skip
    engine.dispose()
    events = defaultdict(list)
    for entity_id, changes in rows:
        changes = changes if isinstance(changes, dict) else __import__("json").loads(changes)
        after = (changes.get("description") or [None, None])[1]
        events[(entity_id, after)].append(set(changes))
    lost = []
    for ident, text in edits.saved:
        found = events.get((ident, text))
        if not found:
            lost.append(f"actor {ident}: « {text[:40]}… » saved but absent from the audit")
        elif any(fields != {"description"} for fields in found):
            lost.append(f"actor {ident}: « {text[:40]}… » saved with other fields changed too: {found}")
    return lost


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


def faults(cluster, figures, officer, postgres: Postgres) -> dict[str, dict]:
    """Each fault, what happened, and the integrity checks after it."""
    url = postgres.url
    results = {}
    # nginx reload under load: no request lost.
    visitor = Visitor(cluster.url, figures.record)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(lambda: [visitor.call("reload", "GET", "/") for _ in range(40)]) for _ in range(4)]
        time.sleep(0.5)
        cluster.reload_nginx()
        for future in futures:
            future.result()
    codes = figures.codes["reload"]
    results["nginx reload"] = {"requests": len(codes), "failed": sum(c >= 500 for c in codes)}
    results["nginx reload"]["integrity"] = check_integrity(url)
    # One app server killed in the middle of an import: applied whole, or still previewed; never half applied.
    scratch = Figures()  # the requests of a fault are not the load's figures
    officer_client = signed_in(cluster.app_url(0), scratch, *officer)
    before = {b[0] for b in batches(url)}
    thread = threading.Thread(target=import_through_both, args=(cluster, scratch, officer_client))
    thread.start()
    time.sleep(0.3)
    cluster.kill_app(1)
    thread.join()
    new = [b for b in batches(url) if b[0] not in before]
    results["app server killed mid-import"] = {"batches": new, "integrity": check_integrity(url)}
    cluster.start_app(1)
    cluster.wait_for_app(1)
    # PostgreSQL stopped, then started again: a French 503 meanwhile, then recovery without any restart of the app.
    results["PostgreSQL stopped and started"] = postgres_restart(cluster, postgres)
    results["PostgreSQL stopped and started"]["integrity"] = check_integrity(url)
    # Redis stopped: the site serves, sign-in fails closed in French.
    if cluster.redis is not None:
        cluster.redis.terminate()
        cluster.redis.wait()
        home = requests.get(cluster.url + "/", timeout=30)
        signin = Visitor(cluster.url, scratch.record).post("signin", "/connexion", email=officer[0], password="x")  # noqa: S106
        health = requests.get(cluster.app_url(0) + "/sante", timeout=30)
        results["Redis stopped"] = {
            "home": home.status_code,
            "sign-in": signin.status_code if signin is not None else None,
            "sign-in in French": signin is not None and "indisponible" in signin.text,
            "health": health.status_code,
            "integrity": check_integrity(url),
        }
    return results


def postgres_restart(cluster, postgres: Postgres) -> dict:
    paths = ["/", "/acteurs/", "/api/v1/actors"]
    for path in paths:
        requests.get(cluster.url + path, timeout=30)  # every pool holds connections that the stop will break
    postgres.down()
    down = []
    for path in paths * 3:
        response = requests.get(cluster.url + path, timeout=30)
        down.append((response.status_code, "momentan" in response.text))  # the API's JSON escapes the « é »
    postgres.up()
    start, recovered = time.monotonic(), None
    while time.monotonic() - start < 30:
        if all(requests.get(cluster.url + path, timeout=30).status_code == 200 for path in paths):
            recovered = round(time.monotonic() - start, 2)
            break
        time.sleep(0.2)
    return {
        "answers while down": sorted({code for code, _ in down}),
        "French while down": all(french for _, french in down),
        "recovered after s": recovered,
    }


@dataclass
class Run:
    figures: Figures
    edits: Edits
    lost: list[str]
    limit_codes: list[int]
    faults: dict[str, dict]


def run(seconds: float, clients: int, editors: int) -> Run:
    """The whole run on a stack of its own; returns what it measured."""
    postgres = Postgres().start()
    try:
        officer = setup_registry(postgres.url)["officer"]
        officers = accounts(postgres.url, "officer", editors)
        partner_accounts = accounts(postgres.url, "partner", max(1, editors // 2))
        own_actors = [ident for ident in actor_ids(postgres.url) if ident not in dict(partner_accounts)][-editors:]
        with Cluster(postgres.url) as cluster:
            figures, edits = Figures(), Edits()
            run_load(cluster, figures, edits, seconds, clients, officer, officers, partner_accounts, own_actors)
            lost = lost_updates(postgres.url, edits)
            codes = rate_limit_bar(cluster, figures, "cible-bench@example.org")
            return Run(figures, edits, lost, codes, faults(cluster, figures, officer, postgres))
    finally:
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8, help="readers of the public site and API")
    parser.add_argument("--editors", type=int, default=4, help="officers editing (and half as many partners)")
    args = parser.parse_args()
    result = run(args.seconds, args.clients, args.editors)
    result.figures.print(f"Mixed load, {args.clients} readers + {args.editors} officers editing, {args.seconds:.0f} s, "
                         "through nginx → 2 app servers")  # fmt: skip
    refused = ", ".join(f"{why} {n}" for why, n in result.edits.refused.items()) or "none"
    print(f"\nSaves told successful: {len(result.edits.saved)}, refused: {refused}, lost updates: {len(result.lost)}")
    for line in result.lost:
        print(f"  - {line}")
    print(f"Rate limit over both servers (15 wrong passwords, limit 10): {result.limit_codes.count(429)} refused")
    print("\nFaults")
    for name, outcome in result.faults.items():
        passed, _ = outcome.pop("integrity")
        print(f"- {name}: {outcome}; integrity checks: {'passed' if passed else 'FAILED'}")


if __name__ == "__main__":
    main()

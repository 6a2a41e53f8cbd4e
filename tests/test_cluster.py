"""Two app servers behind nginx, sharing PostgreSQL and Redis (issue 16): real processes started by
bench/cluster.py. A preview made through one server is confirmed through the other; a change through one shows
through the other at once; wrong passwords spread over both meet the one limit of 10."""

from __future__ import annotations

import io
import os
import re

import openpyxl
import pytest
import requests
import sqlalchemy as sa

from bench.cluster import Cluster, binary
from registry.models import Actor, ImportBatch, ImportStatus
from registry.services.reporting.dashboard import actors_by_axis_and_quartier
from tests.conftest import CI
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.workbook_helpers import DEMO

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="module")
def cluster(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the cluster runs on PostgreSQL: it is part of the PostgreSQL pass (.ci/run runs both)")
    missing = [name for name in ("nginx", "redis-server") if binary(name) is None]
    if missing:
        if CI:
            pytest.fail(f"CI=true: the cluster test needs {', '.join(missing)}")
        pytest.skip(f"needs {', '.join(missing)}")
    with Cluster(database_url, os.environ.get("REGISTRY_TEST_REDIS_URL")) as running:
        yield running


class Visitor:
    """A browser of one server: cookies kept by hand (the production cookies are Secure, nginx says https)."""

    def __init__(self, base: str):
        self.base, self.cookies = base, {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = requests.request(
            method, self.base + path, cookies=self.cookies, allow_redirects=False, timeout=60, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def token(self, path: str) -> str:
        return CSRF.search(self.request("GET", path).text).group(1)

    def post(self, path: str, form: str | None = None, **data) -> requests.Response:
        page = form or path
        # As a browser of the https site sends it (nginx says https; the CSRF check then compares the Referer).
        headers = {"Referer": self.base.replace("http://", "https://") + page}
        return self.request("POST", path, data={**data, "csrf_token": self.token(page)}, headers=headers)


def test_the_cluster_answers_through_nginx(cluster):
    health = requests.get(cluster.url + "/sante", timeout=10)
    assert health.status_code == 200 and health.json() == {
        "statut": "ok",
        "base": "ok",
        "migrations": "ok",
        "redis": "ok",
    }
    assert requests.get(cluster.url + "/", timeout=10).status_code == 200


def test_a_preview_on_one_server_is_confirmed_on_the_other_and_seen_at_once(cluster, session):
    officer = make_user(session, role="officer")
    session.commit()
    first, second = Visitor(cluster.app_url(0)), Visitor(cluster.app_url(1))
    assert first.post("/connexion", email=officer.email, password=DEFAULT_PASSWORD).status_code == 302
    second.cookies = dict(first.cookies)  # the same browser, sent to the other server by the balancer
    before = second.request("GET", "/admin/").text  # the dashboard computed and cached on the second server
    kept_by_first = _figure(first)  # and the first server keeps its facts too, before any actor exists
    assert kept_by_first == _figure_here(session)
    token = first.token("/admin/import/")
    preview = first.request(
        "POST", "/admin/import/", data={"csrf_token": token}, files={"fichier": ("demo.xlsx", DEMO.read_bytes())}
    )
    assert preview.status_code == 302
    location = preview.headers["Location"].replace(cluster.url, "")
    page = second.request("GET", location)
    assert page.status_code == 200 and "Confirmer l'import" in page.text
    confirm = second.post(location + "/confirmer", form=location)
    assert confirm.status_code == 302
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 44
    assert session.scalar(sa.select(ImportBatch.status)) is ImportStatus.APPLIED
    after = first.request("GET", "/admin/").text  # and the other server's cache is stale at once
    assert after != before
    # Each server brings its kept facts up to date from the change log the other's write filled: the same figure
    # as computed afresh here.
    assert _figure(first) == _figure(second) == _figure_here(session) != kept_by_first
    total = requests.get(cluster.app_url(1) + "/api/v1/actors", timeout=10).json()["meta"]["total"]
    assert total == requests.get(cluster.app_url(0) + "/api/v1/actors", timeout=10).json()["meta"]["total"]


def _figure(visitor: Visitor) -> list[list]:
    """The dashboard's actors per axis and quartier, as the server's spreadsheet download gives it."""
    response = visitor.request("GET", "/admin/tableau/acteurs-axes-quartiers.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Axe")
    end = next(i for i, row in enumerate(rows) if row and row[0] == "Total")
    return rows[start : end + 1]


def _figure_here(session) -> list[list]:
    session.rollback()
    table = actors_by_axis_and_quartier(session)
    return [table.headers, *table.rows]


def test_wrong_passwords_over_both_servers_meet_the_one_limit(cluster, session):
    officer = make_user(session, role="officer")
    session.commit()
    codes = []
    for attempt in range(15):
        visitor = Visitor(cluster.app_url(attempt % 2))
        codes.append(visitor.post("/connexion", email=officer.email, password=f"faux-{attempt}").status_code)
    assert codes == [200] * 10 + [429] * 5, codes
    blocked = Visitor(cluster.url).post("/connexion", email=officer.email, password=DEFAULT_PASSWORD)
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.text  # through nginx as well

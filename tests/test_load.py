"""The short CI version of bench/load.py (issue 16, item 3): a stack of its own on loopback — PostgreSQL, Redis, two
gunicorn app servers, nginx — under a mixed load with officers and partners editing the same and different records,
then each fault. Nothing lost, nothing half applied, the integrity checks green after every fault."""

from __future__ import annotations

import pytest

from bench.cluster import binary, postgres_bin
from tests.conftest import CI


@pytest.fixture(scope="module")
def run(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the load run is part of the PostgreSQL pass (.ci/run runs both)")
    missing = [name for name in ("nginx", "redis-server") if binary(name) is None]
    missing += [] if postgres_bin() else ["PostgreSQL server (initdb)"]
    if missing:
        if CI:
            pytest.fail(f"CI=true: the load run needs {', '.join(missing)}")
        pytest.skip(f"needs {', '.join(missing)}")
    from bench.load import run

    return run(seconds=15, clients=3, editors=2)


def test_the_load_gets_no_server_error(run):
    errors = run.figures.server_errors()
    assert sum(len(codes) for codes in run.figures.codes.values()) > 50
    assert {"public", "api", "edit", "partner"} <= set(errors)
    assert not any(errors.values()), errors


def test_no_update_is_lost(run):
    assert run.edits.saved, run.edits.refused  # editors on records of their own always get through
    assert run.lost == []
    assert set(run.edits.refused) <= {"stale form"}, run.edits.refused  # the only refusal: a form opened too early


def test_the_rate_limit_holds_across_both_servers(run):
    assert run.limit_codes == [200] * 10 + [429] * 5


def test_every_fault_ends_with_the_integrity_checks_green(run):
    assert set(run.faults) == {"nginx reload", "app server killed mid-import", "PostgreSQL stopped and started",
                               "Redis stopped"}  # fmt: skip
    for name, outcome in run.faults.items():
        passed, printed = outcome["integrity"]
        assert passed, (name, printed)


def test_each_fault_does_what_it_should(run):
    assert run.faults["nginx reload"]["failed"] == 0
    for _id, status, audited in run.faults["app server killed mid-import"]["batches"]:
        assert (status == "applied" and audited > 0) or (status != "applied" and audited == 0), (status, audited)
    down = run.faults["PostgreSQL stopped and started"]
    assert down["answers while down"] == [503] and down["French while down"], down
    assert down["recovered after s"] is not None, down  # by itself: no app server restarted
    redis = run.faults["Redis stopped"]
    assert redis["home"] == 200 and redis["sign-in"] == 503 and redis["sign-in in French"], redis
    assert redis["health"] == 503

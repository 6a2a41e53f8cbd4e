"""The forgotten-password and account-request pages answer in the same time for known and unknown addresses
(issue 16, item 4): the same work before the answer, the database work and the e-mail after it
(registry/auth/deferred.py). Measured on the server side: from the WSGI call to the last byte of the answer,
the work left for after the response being excluded as a WSGI server excludes it."""

import gc
import statistics
import time

import sqlalchemy as sa
from werkzeug.wsgi import ClosingIterator

from registry.extensions import db
from registry.models import AccountRequest
from tests.conftest import csrf_token_from
from tests.factories import make_user

SAMPLES = 50


class Stopwatch:
    """Wraps the app's WSGI callable: the time to produce each answer, before its close() runs. The time is the
    serving thread's CPU time: the work the server does for the answer, without the scheduling noise of the other
    processes of a shared machine (wall-clock medians swing by several ms there whichever path runs)."""

    def __init__(self, app):
        self.inner, self.times = app.wsgi_app, []

    def __call__(self, environ, start_response):
        start = time.thread_time()
        result = self.inner(environ, start_response)
        body = b"".join(result)
        self.times.append(time.thread_time() - start)
        return ClosingIterator([body], getattr(result, "close", None))


def medians(app, path, form, known, unknown, monkeypatch):
    watch = Stopwatch(app)
    monkeypatch.setattr(app, "wsgi_app", watch)
    timings = {"known": [], "unknown": []}
    for i in range(2 * SAMPLES + 10):
        kind = "known" if i % 2 else "unknown"  # interleaved, so drifts of the machine hit both alike
        email = (known if kind == "known" else unknown)(i)
        client = app.test_client()  # a visitor of its own each time (no flash messages piling up in one session)
        token = csrf_token_from(client.get(path).get_data(as_text=True))
        gc.collect()  # the previous answer's deferred work leaves no garbage for this one to collect
        response = client.post(path, data={**form, "email": email, "csrf_token": token})
        assert response.status_code == 302
        if i >= 10:  # warm-up
            timings[kind].append(watch.times[-1])
    monkeypatch.setattr(app, "wsgi_app", watch.inner)
    return {kind: statistics.median(values) * 1000 for kind, values in timings.items()}


def test_forgot_password_takes_the_same_time_for_known_and_unknown_addresses(app, outbox, monkeypatch):
    with app.app_context():
        user = make_user(db.session, role="officer")
        db.session.commit()
        email = user.email
    result = medians(app, "/mot-de-passe-oublie", {}, lambda i: email, lambda i: f"inconnu{i}@example.org", monkeypatch)
    assert len(outbox.to(email)) == SAMPLES + 5  # the known address was mailed each time, after the answer
    assert abs(result["known"] - result["unknown"]) < 1.0, result


def test_account_request_takes_the_same_time_for_known_and_unknown_addresses(app, outbox, monkeypatch):
    with app.app_context():
        user = make_user(db.session, role="partner")
        make_user(db.session, role="admin")
        db.session.commit()
        email = user.email
    form = {"full_name": "Camille Martin", "requested_role": "partner", "organisation": "Asso", "consent": "y"}
    result = medians(app, "/demande-acces", form, lambda i: email, lambda i: f"nouveau{i}@example.org", monkeypatch)
    with app.app_context():  # every unknown address was stored, after the answer
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountRequest)) == SAMPLES + 5
    assert len(outbox.to(email)) == SAMPLES + 5
    assert abs(result["known"] - result["unknown"]) < 1.0, result

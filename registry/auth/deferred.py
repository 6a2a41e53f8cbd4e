"""Work done after the response has left: the public forms that must answer in the same time whatever the address
typed (forgotten password, account request) hand their database work and their e-mail to ``after_response``.

The view validates the form (the same work for every address), queues the work and answers. The work runs in a
small pool of worker threads of the process, in an application context of its own, committed once (its e-mail
leaving after that commit, registry/services/outputs/mail.py); it starts once the server has closed the response
(``call_on_close``), or after ``SENT_WAIT`` seconds if the server never says so — Werkzeug's development server
skips the close when the browser resets the connection first, and a reset link must not be lost for that. A
failure is logged: the visitor was already told the one answer that does not say whether the address is known.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app, g

from registry.extensions import db
from registry.sqlite import write_lock

log = logging.getLogger(__name__)

#: Seconds a queued piece of work waits for the server to close the response before it runs anyway.
SENT_WAIT = 2.0

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pending: set[Future] = set()


def after_response(work, *args, **kwargs) -> None:
    """Run ``work(db.session, *args, **kwargs)`` once the current response is sent, then commit."""
    app = current_app._get_current_object()

    def run():
        with app.app_context(), write_lock():
            try:
                work(db.session, *args, **kwargs)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("Deferred work %s failed", getattr(work, "__name__", work))
            finally:
                db.session.remove()

    g.setdefault("after_response", []).append(run)


def drain(timeout: float | None = None) -> None:
    """Wait until the work queued so far has run (tests, and a clean shutdown)."""
    with _lock:
        futures = set(_pending)
    wait(futures, timeout=timeout)


def _executor() -> ThreadPoolExecutor:
    # One pool per process: a pool created before a fork (gunicorn --preload) has no threads in the child.
    global _pool
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="after-response"))
            _pending.clear()
        return _pool[1]


def _when_sent(sent: threading.Event, run) -> None:
    sent.wait(SENT_WAIT)
    run()


def _attach(response):
    runs = g.pop("after_response", [])
    if runs:
        sent = threading.Event()
        response.call_on_close(sent.set)
        for run in runs:
            future = _executor().submit(_when_sent, sent, run)
            with _lock:
                _pending.add(future)
            future.add_done_callback(_forget)
    return response


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def init_deferred(app: Flask) -> None:
    app.after_request(_attach)

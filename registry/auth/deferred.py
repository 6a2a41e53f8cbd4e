"""Work done after the response has left: the public forms that must answer in the same time whatever the address
typed (forgotten password, account request) hand their database work and their e-mail to ``after_response``.

The view validates the form (the same work for every address), queues the work and answers; the WSGI server then
closes the response and the work runs in an application context of its own, committed once (its e-mail leaving
after that commit, registry/services/outputs/mail.py). A failure is logged: the visitor was already told the
one answer that does not say whether the address is known.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g

from registry.extensions import db
from registry.sqlite import write_lock

log = logging.getLogger(__name__)


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


def _attach(response):
    for run in g.pop("after_response", []):
        response.call_on_close(run)
    return response


def init_deferred(app: Flask) -> None:
    app.after_request(_attach)

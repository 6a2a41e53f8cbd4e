"""Issue 12 move 4: e-mail leaves only once the data it speaks of is committed; nothing is sent on rollback."""

import sqlalchemy as sa

from registry.auth import access_request
from registry.extensions import db
from registry.models import AccountRequest, AuditEvent, User
from registry.services.accounts import requests as account_requests
from registry.services.outputs.mail import queue_mail, queued, undelivered
from tests.factories import make_user
from tests.test_account_requests import decide, pending_request, submit


def _queue_one(session, to="a@example.org"):
    return queue_mail(session, to, "Objet", "account_request_existing", email=to)


def test_a_queued_message_leaves_at_commit_and_only_then(app, session, outbox):
    with app.test_request_context():
        _queue_one(session)
    assert outbox.messages == [] and len(queued(session)) == 1
    session.commit()
    assert [m["To"] for m in outbox.messages] == ["a@example.org"]
    assert queued(session) == [] and undelivered(session) == []
    session.commit()  # a second commit sends nothing again
    assert len(outbox.messages) == 1


def test_a_rolled_back_message_never_leaves(app, session, outbox):
    with app.test_request_context():
        _queue_one(session)
    session.rollback()
    session.commit()
    assert outbox.messages == [] and queued(session) == []


def test_a_session_closed_without_commit_sends_nothing(app, outbox):
    with app.app_context():
        own = sa.orm.Session(db.engine)
        with app.test_request_context():
            _queue_one(own)
        own.close()
        own.commit()
    assert outbox.messages == []


def test_a_savepoint_rolled_back_drops_only_its_own_messages(app, session, outbox):
    with app.test_request_context():
        _queue_one(session, "before@example.org")
        savepoint = session.begin_nested()
        _queue_one(session, "inside@example.org")
        savepoint.rollback()
        kept = session.begin_nested()
        _queue_one(session, "kept@example.org")
        kept.commit()  # releasing a SAVEPOINT is not the commit: nothing leaves yet
        assert outbox.messages == []
    session.commit()
    assert sorted(m["To"] for m in outbox.messages) == ["before@example.org", "kept@example.org"]


def test_a_failed_delivery_is_reported_after_the_commit(app, session, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", "/proc/not-writable")
    with app.test_request_context():
        _queue_one(session)
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(outbox.path))
    session.commit()  # the data is committed whatever happens to the message
    [message] = undelivered(session)
    assert message["To"] == "a@example.org" and undelivered(session) == []


class Boom(RuntimeError):
    pass


def _fail_after(service):
    def wrapper(*args, **kwargs):
        service(*args, **kwargs)
        raise Boom("the request fails after the service queued its e-mails")

    return wrapper


def test_a_public_request_that_fails_after_queueing_sends_nothing(client, app, outbox, monkeypatch):
    with app.app_context():
        make_user(db.session, role="admin")  # the admins are told of every new request
        db.session.commit()
    monkeypatch.setattr(access_request, "record_account_request", _fail_after(account_requests.record_account_request))
    # The work runs after the answer (registry/auth/deferred.py): the page answers as always, the work rolls back.
    assert submit(client).status_code == 302
    assert outbox.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountRequest)) == 0
    monkeypatch.undo()
    submit(client)  # the same request, succeeding: the applicant and the admin are written to
    assert {m["Subject"] for m in outbox.messages} == {
        "Votre demande d'accès",
        "Nouvelle demande d'accès au registre",
    }


def test_an_approval_that_fails_after_queueing_the_invitation_sends_nothing(auth, app, outbox, monkeypatch):
    from registry.admin import account_requests as screen

    request = pending_request(app, requested_role="staff", organisation=None)
    auth.as_role("admin")
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    url = f"/admin/account_requests/accepter/?id={request.id}"
    monkeypatch.setattr(screen, "approve_account_request", _fail_after(account_requests.approve_account_request))
    assert decide(auth.client, url, {"role": "officer"}).status_code == 500
    assert outbox.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == request.email)) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    monkeypatch.undo()
    decide(auth.client, url, {"role": "officer"})
    assert [m["Subject"] for m in outbox.to(request.email)] == ["Votre accès au registre de l'ESS de Lille"]

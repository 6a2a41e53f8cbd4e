"""The weekly « À renouveler » digest: opt-in per officer, sent by `registry envoyer-rappels` through the file
mail backend, once per ISO week."""

from __future__ import annotations

from datetime import date, timedelta

from registry.extensions import db
from registry.models import DigestDelivery, DigestSubscription, PartnershipStatus
from registry.models.actors import ESUS_VALIDITY
from registry.services.reporting.digest import send_digests, set_subscription, week_of
from tests.admin_support import database
from tests.factories import make_actor, make_partnership, make_user


def due_soon(session):
    today = date.today()
    actor = make_actor(session, name="Régie Fives Rappel", esus_date=today + timedelta(days=30) - ESUS_VALIDITY)
    make_partnership(
        session,
        actor=actor,
        object="Chantier d'insertion à renouveler",
        start_date=today - timedelta(days=300),
        end_date=today + timedelta(days=20),
        status=PartnershipStatus.ACTIVE,
    )


def test_officers_opt_in_from_the_dashboard_and_analysts_cannot(app, client, auth):
    officer_id = auth.as_role("officer")
    body = client.get("/admin/").get_data(as_text=True)
    assert "Recevoir chaque semaine par courriel" in body
    from tests.conftest import csrf_token_from

    token = csrf_token_from(body)
    response = client.post("/admin/rappels", data={"recevoir": "oui", "csrf_token": token}, follow_redirects=True)
    assert "Vous recevrez « À renouveler » chaque semaine" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DigestSubscription, officer_id) is not None
    response = client.post("/admin/rappels", data={"recevoir": "non", "csrf_token": token}, follow_redirects=True)
    assert "Vous ne recevrez plus" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DigestSubscription, officer_id) is None
    auth.logout()
    auth.as_role("analyst")
    body = client.get("/admin/").get_data(as_text=True)
    assert "Recevoir chaque semaine par courriel" not in body
    assert (
        client.post("/admin/rappels", data={"recevoir": "oui", "csrf_token": csrf_token_from(body)}).status_code == 403
    )


def test_envoyer_rappels_sends_once_a_week_to_those_who_asked(app, runner, outbox):
    with database(app) as session:
        due_soon(session)
        wants = make_user(session, role="officer", email="veut.rappels@example.org", full_name="Agathe Agent")
        make_user(session, role="officer", email="sans.rappels@example.org")
        gone = make_user(session, role="officer", email="parti@example.org", active=False)
        analyst = make_user(session, role="analyst", email="analyste.rappels@example.org")
        for user in (wants, gone, analyst):
            set_subscription(session, user, True)  # the analyst's request is not recorded: not a recipient
        session.commit()
    outbox.clear()
    first = runner.invoke(args=["registry", "envoyer-rappels"])
    assert first.exit_code == 0, first.output
    assert "1 rappel(s) envoyé(s)" in first.output
    messages = outbox.messages
    assert [m["To"] for m in messages] == ["veut.rappels@example.org"]
    text = outbox.text(messages[0])
    assert "Chantier d'insertion à renouveler" in text and "Régie Fives Rappel" in text
    assert "Partenariats se terminant : 1" in text and "Agréments ESUS expirant : 1" in text
    assert any("/admin/partnership/details/?id=" in link for link in outbox.links("veut.rappels@example.org"))

    second = runner.invoke(args=["registry", "envoyer-rappels"])
    assert second.exit_code == 0 and "0 rappel(s) envoyé(s), 1 déjà envoyé(s)" in second.output
    assert len(outbox.messages) == 1  # nothing new the same week

    with database(app) as session:
        run = send_digests(session, 90, today=date.today() + timedelta(days=7))
        session.commit()
        assert run.sent == ["veut.rappels@example.org"] and run.week == week_of(date.today() + timedelta(days=7))
        assert session.query(DigestDelivery).count() == 2
    assert len(outbox.messages) == 2  # a new week, a new digest


def test_nothing_due_sends_nothing(app, runner, outbox):
    with database(app) as session:
        set_subscription(session, make_user(session, role="officer"), True)
        session.commit()
    outbox.clear()
    result = runner.invoke(args=["registry", "envoyer-rappels"])
    assert result.exit_code == 0 and "rien à renouveler" in result.output
    assert outbox.messages == []

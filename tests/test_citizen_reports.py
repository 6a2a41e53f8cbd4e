"""« Signaler une erreur » (issue 15, item 7): every public actor and initiative page links a short form; a report
lands in the officers' queue, with no account, a honeypot instead of a captcha, a legal notice for the optional
e-mail, French messages for bad input, rate limits per client address, and a thank-you page."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from registry import create_app
from registry.extensions import db, limiter
from registry.models import CitizenReport
from tests import public_data
from tests.admin_support import count
from tests.conftest import csrf_token_from, make_test_config


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def public_record_pages(client) -> list[str]:
    pages = []
    for listing in ("/acteurs/", "/initiatives/"):
        html = client.get(listing).get_data(as_text=True)
        pages += re.findall(r'<h2><a href="(/(?:acteurs|initiatives)/[^"/]+)">', html)
    return pages


def report(client, page: str, **data):
    form = client.get(f"{page}/signaler")
    assert form.status_code == 200
    token = csrf_token_from(form.get_data(as_text=True))
    return client.post(
        f"{page}/signaler", data={"message": "", "email": "", "site_web": "", **data, "csrf_token": token}
    )


def test_every_public_record_page_links_its_report_form(client, data):
    pages = public_record_pages(client)
    assert len(pages) >= 5
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        assert f'href="{page}/signaler"' in html, page
        form = client.get(f"{page}/signaler").get_data(as_text=True)
        assert "Mention d'information" in form and "article 6-1-e" in form and 'name="site_web"' in form
        assert 'type="checkbox"' not in form  # informed, no consent box
    assert client.get(f"/acteurs/{data.hidden.slug}/signaler").status_code == 404


def test_a_report_reaches_the_officers_queue_and_is_closed_there(app, client, data, auth):
    page = f"/acteurs/{data.regie.slug}"
    response = report(client, page, message="L'adresse a changé : 3 rue Pierre Legrand.", email="Visiteur@Example.org")
    assert response.status_code == 302 and "/signalement/merci" in response.headers["Location"]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Merci pour votre signalement" in thanks and f'href="{page}"' in thanks
    with app.app_context():
        stored = db.session.scalars(sa.select(CitizenReport)).one()
        assert (stored.entity_type, stored.actor_id, stored.email) == ("Actor", data.regie.id, "visiteur@example.org")
    auth.as_role("officer")
    queue = unescape(client.get("/admin/signalements/").get_data(as_text=True))
    assert "L'adresse a changé : 3 rue Pierre Legrand." in queue and "visiteur@example.org" in queue
    assert f"/admin/actor/edit/?id={data.regie.id}" in queue
    assert "1 signalement de visiteurs" in client.get("/admin/").get_data(as_text=True)
    token = csrf_token_from(queue)
    client.post("/admin/signalements/action/", data={"action": "handled", "rowid": str(stored.id), "csrf_token": token})
    assert "3 rue Pierre Legrand" not in client.get("/admin/signalements/").get_data(as_text=True)


def test_initiative_reports_name_the_lead_actor(app, client, data):
    assert (
        report(client, f"/initiatives/{data.initiative.slug}", message="La date de fin est passée.").status_code == 302
    )
    with app.app_context():
        stored = db.session.scalars(sa.select(CitizenReport)).one()
        assert stored.entity_type == "Initiative" and stored.actor_id == data.initiative.lead_actor_id
        assert stored.email is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"message": ""}, "Décrivez l'erreur en quelques mots"),
        ({"message": "court"}, "Décrivez l'erreur en quelques mots"),
        ({"message": "x" * 2001}, "Votre message est trop long (2001 caractères)"),
        ({"message": "Le site web ne marche plus.", "email": "pas-une-adresse"}, "Adresse électronique invalide"),
    ],
)
def test_bad_input_gets_a_french_message(app, client, data, fields, message):
    response = report(client, f"/acteurs/{data.regie.slug}", **fields)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert count(app, CitizenReport) == 0


def test_the_honeypot_thanks_robots_and_keeps_nothing(app, client, data):
    response = report(client, f"/acteurs/{data.regie.slug}", message="Achetez nos produits !", site_web="http://spam")
    assert response.status_code == 302 and "/signalement/merci" in response.headers["Location"]
    assert count(app, CitizenReport) == 0


def test_reports_are_rate_limited_per_address(database_url, tmp_path, session, data):
    app = create_app(
        make_test_config(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_REPORT_PER_ADDRESS="2 per hour")
    )
    try:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
        page = f"/acteurs/{data.regie.slug}"
        codes = [report(client, page, message=f"Erreur numéro {i} sur la fiche.").status_code for i in range(3)]
        assert codes == [302, 302, 429]
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.51"
        assert report(other, page, message="Une autre personne signale.").status_code == 302
    finally:
        limiter.enabled = False


def test_a_reporter_e_mail_is_found_exported_and_erased_as_personal_data(app, client, session, data):
    from registry.services.privacy.personal_data import erase_person, export_person, find_person

    report(client, f"/acteurs/{data.regie.slug}", message="Le téléphone a changé.", email="temoin@example.org")
    with app.app_context():
        person = find_person(db.session, email="TEMOIN@example.org")
        assert person.found and export_person(person)["error_reports"][0]["message"] == "Le téléphone a changé."
        erase_person(db.session, person, user=None)
        db.session.commit()
    assert count(app, CitizenReport) == 0


def test_handled_reports_are_purged_after_the_retention(app, client, runner, data):
    from datetime import timedelta

    from registry.models.base import utcnow

    report(client, f"/acteurs/{data.regie.slug}", message="Première erreur signalée.")
    report(client, f"/acteurs/{data.regie.slug}", message="Seconde erreur signalée.")
    with app.app_context():
        old, _open = db.session.scalars(sa.select(CitizenReport).order_by(CitizenReport.id)).all()
        old.handled_at = utcnow() - timedelta(days=400)
        db.session.commit()
    result = runner.invoke(args=["registry", "purge-citizen-reports"])
    assert result.exit_code == 0 and "1 signalement(s)" in result.output
    assert count(app, CitizenReport) == 1  # the open one stays

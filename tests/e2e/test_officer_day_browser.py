"""Issue 13 in a real browser, at 1280 and 375 px: the actor form (no legal form chosen, the reference not required,
a SIRET typed with spaces kept whole), the partnership form, a refused form's error summary, and the review queue
with one « Marquer comme relu » per row. Screenshots in bench/out/screenshots/ (for people to look at)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import Actor, AuditAction
from registry.services.history.audit import diff, record_event, snapshot
from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_browser import sign_in
from tests.factories import make_user
from tests.workbook_helpers import load_demo

WIDTHS = (1280, 375)


@pytest.fixture
def officer(app):
    """The demo registry, a partner change waiting for review, and an officer's e-mail."""
    with app.app_context():
        load_demo(db.session)
        actor = db.session.scalar(sa.select(Actor).order_by(Actor.id))
        partner = make_user(db.session, role="partner", actor=actor)
        before = snapshot(actor)
        actor.phone = "03 20 49 50 01"
        record_event(db.session, action=AuditAction.UPDATE, source="partner", user=partner, obj=actor,
                     changes=diff(before, snapshot(actor)))  # fmt: skip
        email = make_user(db.session, role="officer").email
        db.session.commit()
        return email


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_forms_summary_and_review_queue(watched, officer, width):
    page = watched(width=width)
    sign_in(page, officer)

    page.goto("/admin/actor/new/")
    assert page.locator("#slug").get_attribute("required") is None
    assert page.locator("#legal_form").input_value() == "__None"
    page.fill("#siret", "732 829 320 00074")
    assert page.locator("#siret").input_value() == "732 829 320 00074"  # not cut at 14 characters
    screenshot(page, f"i13-actor-form-{width}")

    page.fill("#name", "Structure d'essai")
    page.fill("#latitude", "cinquante")
    page.fill("#founding_year", "1700")
    page.locator("form.admin-form [type=submit]").first.click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "Latitude" in text and "cinquante" in text and "Forme juridique" in text and "1700" in text
    screenshot(page, f"i13-error-summary-{width}")

    page.goto("/admin/partnership/new/")
    assert page.locator("#ref").get_attribute("required") is None
    screenshot(page, f"i13-partnership-form-{width}")

    page.goto("/admin/a-relire/")
    assert page.locator("button", has_text="Marquer comme relu").count() >= 1
    for button in ("Marquer comme relu", "Rétablir"):  # every row's buttons within the screen, phone included
        box = page.locator("table.model-list button", has_text=button).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (button, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    screenshot(page, f"i13-review-queue-{width}")
    assert page.csp.violations(page) == []


def test_export_feedback_stops_when_the_file_has_arrived(watched, officer):
    page = watched()
    sign_in(page, officer)
    page.goto("/admin/export/")
    with page.expect_download() as download:
        page.click("a[href$='registre.xlsx']")
    assert download.value.suggested_filename.startswith("registre-ess-")
    progress = page.locator("#export-progress")
    progress.locator(".progress-text", has_text="Fichier prêt").wait_for()
    assert not progress.locator("progress").is_visible()
    assert page.csp.violations(page) == []

"""SECURITY.md 41: no served page carries an inline event handler or a ``javascript:`` URL, so the CSP needs no
``unsafe-*`` keyword. Checked on the served HTML, whatever a browser would report: every page of the back office
for each staff role, of the partner space and of the public site, on the demo registry, walked by the crawler
(views added later are walked too)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.models import Actor, ImportBatch
from tests.admin_support import database
from tests.conftest import AuthActions
from tests.crawler import Crawler, inline_handlers
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_admin_access import admin_requests
from tests.workbook_helpers import load_demo


@pytest.fixture
def demo(app):
    """The demo registry, with a partner account for the Régie de quartier de Fives."""
    with database(app) as session:
        load_demo(session)
        regie = session.scalar(sa.select(Actor).where(Actor.name.like("Régie de quartier%")))
        partner = make_user(session, role="partner", actor=regie)
        batch = session.scalar(sa.select(sa.func.max(ImportBatch.id)))
        return {"partner": partner.email, "ImportBatch": batch}


def static_get_rules(app, prefix: str):
    """GET URLs without arguments under ``prefix``."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule.startswith(prefix):
            yield rule.rule


def violations(crawler, seeds) -> tuple[int, list[str]]:
    pages, found = 0, []
    for url, response in crawler.walk(seeds):
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            pages += 1
            found += [f"{url}: {what}" for what in inline_handlers(response.get_data(as_text=True))]
    return pages, found


@pytest.mark.parametrize("role", ["admin", "officer", "analyst"])
def test_no_back_office_page_has_inline_handlers(app, demo, role):
    client = app.test_client()
    AuthActions(client, app).as_role(role)
    seeds = [url for _v, _n, method, url in admin_requests(app, demo) if method == "GET"]
    pages, found = violations(Crawler(app, client, within="/admin/"), seeds)
    assert found == []
    assert pages > 40  # every list, form, details, history and custom page


def test_no_partner_or_public_page_has_inline_handlers(app, demo):
    client = app.test_client()
    AuthActions(client, app).login(demo["partner"], DEFAULT_PASSWORD)
    pages, found = violations(Crawler(app, client, within="/espace-partenaire/"), static_get_rules(app, "/espace"))
    assert pages >= 5 and found == []

    public = app.test_client()
    seeds = [url for url in static_get_rules(app, "/") if not url.startswith(("/admin", "/espace"))]
    pages, found = violations(Crawler(app, public), seeds)
    assert pages > 15 and found == []


def test_the_check_sees_handlers_and_javascript_urls():
    html = '<a href=" JavaScript:void(0)">x</a><button onClick="go()">y</button><a href="/ok">z</a>'
    assert len(inline_handlers(html)) == 2

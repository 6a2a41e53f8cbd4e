"""The dashboard filtered, in a real browser, on a desk and on a phone (screenshots in bench/out/screenshots/)."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_browser import officer, sign_in  # noqa: F401 - the fixture is used by name


def test_filtered_dashboard_on_a_desk(page, officer):  # noqa: F811
    sign_in(page, officer)
    page.goto("/admin/")
    page.select_option("#f-axe", "consommer")
    page.fill("#f-du", "2021-01-01")
    page.fill("#f-au", "2025-12-31")
    page.click("form.dashboard-filters button[type=submit]")
    page.wait_for_url("**/admin/?*axe=consommer*")
    assert "Axe : Consommer et produire autrement" in page.locator("form.dashboard-filters").inner_text()
    assert page.locator("svg.chart").first.is_visible()
    href = page.locator("a.dashboard-download").first.get_attribute("href")
    assert "axe=consommer" in href and "du=2021-01-01" in href
    screenshot(page, "admin-dashboard-filtered")


def test_dashboard_on_a_phone_shows_tables_instead_of_charts(browser, live_server, officer):  # noqa: F811
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        sign_in(page, officer)
        page.goto("/admin/?annee=2025&quartier=wazemmes")
        assert page.locator("svg.chart").count() >= 3
        assert not page.locator("svg.chart").first.is_visible()
        assert page.locator(".chart-phone-note").first.is_visible()
        assert page.locator("table.figures").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 400  # tables scroll inside their box
        screenshot(page, "admin-dashboard-phone")
    finally:
        context.close()

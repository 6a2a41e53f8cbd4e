"""Print: the stylesheet hides what means nothing on paper, and every page carries its address (from BASE_URL,
never the request's Host) and the day it was printed."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests import public_data

CSS = Path(__file__).resolve().parent.parent / "registry" / "static" / "css"


def rules(name: str) -> list[tuple[str, str]]:
    """(selectors, declarations) of a stylesheet (comments removed)."""
    text = re.sub(r"/\*.*?\*/", "", (CSS / name).read_text(), flags=re.S)
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)]


def declares(name: str, selector: str, declaration: str) -> bool:
    return any(selector in [s.strip() for s in sel.split(",")] and declaration in body for sel, body in rules(name))


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def test_print_stylesheet_hides_links_meaningless_on_paper_and_shows_the_address():
    assert declares("print.css", ".no-print", "display: none")
    assert declares("print.css", ".print-only", "display: block")
    assert declares("site.css", ".print-only", "display: none")  # on screen the address line is not shown
    for hidden in (".site-nav", "form", ".map", ".breadcrumb", ".skip-link"):
        assert declares("print.css", hidden, "display: none"), hidden


def test_every_public_page_carries_its_address_and_date_for_print(app, client, data):
    today = date.today()
    for url in ("/", "/acteurs/?q=regie", f"/acteurs/{data.regie.slug}", f"/prets/{data.programme.slug}",
                "/carte/", "/recherche?q=fives", "/connexion"):  # fmt: skip
        # A trusted host that is not the public address: the printed address is BASE_URL's.
        html = client.get(url, headers={"Host": "127.0.0.1:8080"}).get_data(as_text=True)
        address = app.config["BASE_URL"] + url.replace("&", "&amp;")
        assert (
            f'<p class="print-only print-meta">Page imprimée depuis <span data-print-address>{address}</span>, le '
            f'<time data-print-date datetime="{today.isoformat()}">{today:%d/%m/%Y}</time>.</p>'
        ) in html, url
        assert "evil.example" not in html, url

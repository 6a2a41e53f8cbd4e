"""Walk the site as a signed-in person would: every page linked from a set of seed URLs, one page per shape.

A page's shape is its endpoint and the names of its query parameters (digits folded), so the walk opens one
record's edit form, one filtered list, one sorted list… rather than every record, and still reaches every view
that something links to. Seeds add the views nothing links to. Views added later are walked without anyone
listing them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from werkzeug.exceptions import HTTPException

#: Links never followed: they sign out, or answer with files rather than pages.
SKIP = re.compile(r"/deconnexion|/export/|\.(xlsx|csv|json|geojson|zip|pdf|docx|odt|png|svg|ico)$|/telecharger")


class PageParser(HTMLParser):
    """Collects every start tag's attributes and the text of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def links(self) -> Iterator[str]:
        for tag, attrs in self.tags:
            if tag == "a":
                href = dict(attrs).get("href")
                if href:
                    yield href


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data")
#: A "javascript:" URL as a browser reads it: leading blanks and control characters are ignored, any case.
JAVASCRIPT_URL = re.compile(r"[\s\x00-\x1f]*j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:", re.IGNORECASE)


def inline_handlers(html: str) -> list[str]:
    """Every inline event handler attribute and every ``javascript:`` URL of a page (SECURITY.md 41)."""
    found = []
    for tag, attrs in parse(html).tags:
        for name, value in attrs:
            if name.lower().startswith("on"):
                found.append(f"<{tag} {name}=…>")
            elif name.lower() in URL_ATTRIBUTES and JAVASCRIPT_URL.match(value or ""):
                found.append(f"<{tag} {name}={value!r}>")
    return found


class Crawler:
    """Breadth-first walk over the site's own pages through a Flask test client."""

    def __init__(self, app, client, *, within: str = "/", max_pages: int = 600):
        self.app = app
        self.client = client
        self.within = within
        self.max_pages = max_pages
        self.adapter = app.url_map.bind("localhost")

    def shape(self, url: str) -> tuple | None:
        """(endpoint, parameter names) of a URL, or None when no view serves it."""
        parts = urlsplit(url)
        try:
            endpoint, _args = self.adapter.match(parts.path, method="GET")
        except HTTPException:
            return None
        names = sorted({re.sub(r"\d+", "N", name) for name, _v in parse_qsl(parts.query, keep_blank_values=True)})
        return endpoint, tuple(names)

    def walk(self, seeds: Iterable[str]) -> Iterator[tuple[str, object]]:
        """(url, response) of every HTML page reached from ``seeds``, one per shape."""
        queue = list(seeds)
        seen: set[tuple] = set()
        visited = 0
        while queue and visited < self.max_pages:
            url = queue.pop(0)
            key = self.shape(url)
            if key is None or key in seen:
                continue
            seen.add(key)
            response = self.client.get(url)
            visited += 1
            yield url, response
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for href in parse(response.get_data(as_text=True)).links():
                link = urldefrag(urljoin(url, href)).url
                parts = urlsplit(link)
                if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
                    continue
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                if path.startswith(self.within) and not SKIP.search(parts.path):
                    queue.append(path)
        assert visited < self.max_pages, f"the walk stopped at {self.max_pages} pages: raise the bound"

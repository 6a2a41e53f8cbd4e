"""What the public site says to crawlers: ``/sitemap.xml`` (every public page worth indexing: the listings and each
published actor, initiative and loan programme) and ``/robots.txt`` (the private areas, and where the sitemap is).

Addresses are built on BASE_URL, never on the request's Host header.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Response, current_app

from registry.extensions import db
from registry.public.fields import public_url
from registry.public.http import cache_data, last_change
from registry.public.views import bp
from registry.security import PRIVATE_BLUEPRINTS
from registry.services.public.records import public_slugs
from registry.templating import NAVIGATION

#: The record pages of the sitemap: kind of record → endpoint.
RECORD_PAGES = {"actors": "public.actor", "initiatives": "public.initiative", "programmes": "public.loan"}


def listing_pages() -> list[str]:
    """Addresses of the public listing pages (those of the main navigation)."""
    return [public_url(endpoint) for endpoint, _label in NAVIGATION if endpoint in current_app.view_functions]


def sitemap_entries(session) -> list[tuple[str, str | None]]:
    """(address, last modification date or None) of every page of the sitemap."""
    entries: list[tuple[str, str | None]] = [(url, None) for url in listing_pages()]
    for kind, rows in public_slugs(session).items():
        endpoint = RECORD_PAGES[kind]
        entries += [(public_url(endpoint, slug=slug), updated.date().isoformat()) for slug, updated in rows]
    return entries


@bp.route("/sitemap.xml")
def sitemap():
    """The sitemap (sitemaps.org protocol 0.9)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, modified in sitemap_entries(db.session):
        lastmod = f"<lastmod>{modified}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    response = Response("\n".join(lines) + "\n", mimetype="application/xml")
    return cache_data(response, last_change(db.session))


def private_prefixes() -> list[str]:
    """The path prefixes of the private areas (back office, sign-in, partner space), from the URL map, so views
    added later are covered: the first segment of each private rule."""
    prefixes = set()
    for rule in current_app.url_map.iter_rules():
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else ""
        if not (rule.rule.startswith("/admin") or blueprint in PRIVATE_BLUEPRINTS):
            continue
        first, _sep, rest = rule.rule.lstrip("/").partition("/")
        prefixes.add(f"/{first}/" if rest or rule.rule.endswith("/") else f"/{first}")
    return sorted(prefixes)


@bp.route("/robots.txt")
def robots():
    """Crawlers may read the public site and its open data; the private areas are disallowed."""
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in private_prefixes()), "Allow: /", ""]
    lines.append(f"Sitemap: {public_url('public.sitemap')}")
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    return cache_data(response, last_change(db.session))

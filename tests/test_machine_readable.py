"""Pages machines can read: schema.org JSON-LD on every public actor and initiative page, Open Graph tags,
``sitemap.xml`` and ``robots.txt`` — walked over every record of the demo registry, published or not."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from defusedxml import ElementTree

from registry.extensions import db
from registry.models import Actor, ActorStatus, Contact, Initiative, LegalFamily, LoanProgramme
from registry.services.public.visibility import public_actor_clause, public_initiative_clause
from tests.admin_support import database
from tests.workbook_helpers import load_demo

BASE = "https://registre.example.test"

#: schema.org, as its vocabulary defines them (https://schema.org/<Type>): the properties each type used here
#: may carry (its own and those it inherits from Thing and Organization) and the types each property takes.
THING = {"name", "description", "url", "sameAs", "identifier", "mainEntityOfPage"}
ORGANIZATION = THING | {
    "address",
    "location",
    "email",
    "telephone",
    "foundingDate",
    "dissolutionDate",
    "numberOfEmployees",
    "knowsAbout",
    "areaServed",
    "founder",
    "member",
}
PROPERTIES = {
    "Organization": ORGANIZATION,
    "NGO": ORGANIZATION,  # NGO ⊂ Organization
    "Project": ORGANIZATION,  # Project ⊂ Organization
    "PostalAddress": THING | {"streetAddress", "postalCode", "addressLocality", "addressCountry"},
    "Place": THING | {"address", "geo"},
    "GeoCoordinates": THING | {"latitude", "longitude"},
    "PropertyValue": THING | {"propertyID", "value"},
    "QuantitativeValue": THING | {"value"},
}
ORGANISATIONS = {"Organization", "NGO", "Project"}
RANGES = {
    "address": {"PostalAddress"},
    "location": {"Place", "PostalAddress"},
    "geo": {"GeoCoordinates"},
    "identifier": {"PropertyValue"},
    "numberOfEmployees": {"QuantitativeValue"},
    "areaServed": {"Place"},
    "founder": ORGANISATIONS,
    "member": ORGANISATIONS,
}
TEXT_PROPERTIES = {"name", "description", "streetAddress", "postalCode", "addressLocality", "addressCountry"}
REQUIRED = {"Organization": {"name", "description", "url"}, "Project": {"name", "description", "url", "founder"}}
REQUIRED["NGO"] = REQUIRED["Organization"]


def schema_problems(node, where: str = "") -> list[str]:
    """Where a JSON-LD node departs from schema.org: unknown type, a property its type does not have, a value
    of the wrong type, a required property missing."""
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in schema_problems(item, f"{where}[{i}]")]
    if not isinstance(node, dict):
        return []
    kind = node.get("@type")
    if kind not in PROPERTIES:
        return [f"{where}: unknown type {kind!r}"]
    problems = [
        f"{where}: {kind} has no property {key}" for key in node if key[0] != "@" and key not in PROPERTIES[kind]
    ]
    if not where:  # the page's own node; nested ones may be references (@id) to a node described elsewhere
        problems += [f"{kind} without {key}" for key in REQUIRED.get(kind, ()) if not node.get(key)]
    for key, value in node.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if key in RANGES and item.get("@type") not in RANGES[key]:
                    problems.append(f"{where}.{key}: {item.get('@type')} is not one of {sorted(RANGES[key])}")
                problems += schema_problems(item, f"{where}.{key}")
            elif key in TEXT_PROPERTIES and not isinstance(item, str):
                problems.append(f"{where}.{key}: text expected, got {item!r}")
            elif key in ("latitude", "longitude") and not isinstance(item, int | float):
                problems.append(f"{where}.{key}: number expected")
            elif key in ("url", "sameAs") and not str(item).startswith(("http://", "https://")):
                problems.append(f"{where}.{key}: URL expected, got {item!r}")
    return problems


class HeadParser(HTMLParser):
    """The JSON-LD blocks (with their attributes) and the meta properties of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[dict, str]] = []
        self.meta: dict[str, str] = {}
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._script = attrs
            self.blocks.append((attrs, ""))
        elif tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.blocks[-1]
            self.blocks[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def read_page(client, path: str) -> tuple[HeadParser, str, object]:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    parser = HeadParser()
    parser.feed(html)
    return parser, html, response


@pytest.fixture
def demo(app):
    """The demo registry, with records the public must not see: an unpublished actor, an archived one, an
    unpublished initiative, and a published initiative whose lead actor is unpublished."""
    with database(app) as session:
        load_demo(session)
        actors = session.scalars(sa.select(Actor).order_by(Actor.id)).all()
        hidden, archived = actors[0], actors[1]
        hidden.published = False
        archived.status = ActorStatus.ARCHIVED
        initiatives = session.scalars(sa.select(Initiative).order_by(Initiative.id)).all()
        initiatives[-1].published = False
        partnered = next(i for i in initiatives[:-1] if i.partners and i.partners[0].actor not in (hidden, archived))
        partnered.partners[0].actor.published = False  # a public initiative's partner, withdrawn
        session.add(Contact(actor=actors[2], full_name="Personne Privée", email="prive@example.test", public=False))
        actors[3].show_contact_details = False
        actors[3].email = "structure-cachee@example.test"
    return app


def published(app):
    """Slugs of the public actors and initiatives, and of every other record."""
    with app.app_context():
        session = db.session
        return {
            "actors": set(session.scalars(sa.select(Actor.slug).where(public_actor_clause()))),
            "initiatives": set(session.scalars(sa.select(Initiative.slug).where(public_initiative_clause()))),
            "hidden_actors": set(session.scalars(sa.select(Actor.slug).where(~public_actor_clause()))),
            "hidden_initiatives": set(session.scalars(sa.select(Initiative.slug).where(~public_initiative_clause()))),
            "programmes": set(session.scalars(sa.select(LoanProgramme.slug).where(LoanProgramme.published))),
        }


def test_every_public_actor_page_carries_valid_schema_org_json_ld(demo, client):
    slugs = published(demo)
    assert len(slugs["actors"]) > 30 and slugs["hidden_actors"]
    with demo.app_context():
        actors = {a.slug: a for a in db.session.scalars(sa.select(Actor).where(Actor.slug.in_(slugs["actors"])))}
        private = [c.email for c in db.session.scalars(sa.select(Contact).where(Contact.public.is_(False)))]
        for actor in actors.values():
            _ = actor.legal_form.family
    checked = 0
    for slug, actor in sorted(actors.items()):
        parser, _html, response = read_page(client, f"/acteurs/{slug}")
        assert len(parser.blocks) == 1, slug
        attrs, text = parser.blocks[0]
        # a data block under the CSP: it runs nothing, and carries the page's nonce like every inline element
        assert attrs["nonce"] and attrs["nonce"] in response.headers["Content-Security-Policy"]
        data = json.loads(text)
        assert data["@context"] == "https://schema.org"
        assert schema_problems(data) == [], slug
        expected = "NGO" if actor.legal_form.family == LegalFamily.ASSOCIATION else "Organization"
        url = f"{BASE}/acteurs/{slug}"
        assert (data["@type"], data["name"], data["url"]) == (expected, actor.name, url)
        assert data.get("sameAs") == ([actor.website] if actor.website else None)
        ids = {i["propertyID"]: i["value"] for i in data.get("identifier", [])}
        assert ids == {k: v for k, v in (("SIRET", actor.siret), ("RNA", actor.rna)) if v}
        if actor.address:
            assert data["address"]["streetAddress"] == actor.address
            assert data["address"]["postalCode"] == actor.postcode
        if actor.latitude is not None:
            geo = data["location"]["geo"]
            assert (geo["latitude"], geo["longitude"]) == (actor.latitude, actor.longitude)
        assert ("email" in data) == bool(actor.show_contact_details and actor.email)
        assert not any(email in text for email in private), slug
        checked += 1
    assert checked == len(slugs["actors"])


def test_every_public_initiative_page_carries_a_schema_org_project(demo, client):
    slugs = published(demo)
    assert slugs["initiatives"] and slugs["hidden_initiatives"]
    for slug in sorted(slugs["initiatives"]):
        parser, _html, _response = read_page(client, f"/initiatives/{slug}")
        (data,) = [json.loads(text) for _attrs, text in parser.blocks]
        assert schema_problems(data) == [], slug
        assert data["@type"] == "Project" and data["url"] == f"{BASE}/initiatives/{slug}"
        named = [data["founder"], *data.get("member", [])]
        for org in named:
            assert org["url"].removeprefix(f"{BASE}/acteurs/") in slugs["actors"], (slug, org)
    for slug in slugs["hidden_initiatives"]:
        assert client.get(f"/initiatives/{slug}").status_code == 404
    for slug in slugs["hidden_actors"]:
        assert client.get(f"/acteurs/{slug}").status_code == 404


def test_json_ld_cannot_end_its_script_element(app, client):
    from tests.factories import make_actor

    with database(app) as session:
        actor = make_actor(session, name="Balise", description="</script><script>alert(1)</script> & 'x' <!--")
        slug = actor.slug
    parser, html, _response = read_page(client, f"/acteurs/{slug}")
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block
    assert json.loads(block)["description"].startswith("</script><script>alert(1)")
    assert parser.meta["og:title"] == "Balise"


def test_public_pages_carry_open_graph_tags(demo, client):
    slugs = published(demo)
    actor, initiative = sorted(slugs["actors"])[0], sorted(slugs["initiatives"])[0]
    for path in ["/", "/acteurs/", f"/acteurs/{actor}", "/initiatives/", f"/initiatives/{initiative}", "/donnees/"]:
        parser, html, _response = read_page(client, path)
        meta = parser.meta
        assert meta["og:url"] == BASE + path and meta["og:locale"] == "fr_FR" and meta["og:type"] == "website"
        assert meta["og:title"] and meta["og:description"] == meta["description"], path
        assert meta["twitter:card"] == "summary" and meta["twitter:title"] == meta["og:title"]
        assert f'<link rel="canonical" href="{BASE}{path}">' in html
    parser, _html, _response = read_page(client, f"/acteurs/{actor}")
    with demo.app_context():
        assert parser.meta["og:title"] == db.session.scalar(sa.select(Actor.name).where(Actor.slug == actor))
    foreign = client.get(f"/acteurs/{actor}", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in foreign
    login, _html, _response = read_page(client, "/connexion")
    assert "og:title" not in login.meta  # private pages are not for sharing


def test_the_sitemap_lists_exactly_the_public_pages(demo, client):
    slugs = published(demo)
    # A foreign Host is refused before any link is built (TRUSTED_HOSTS, issue 16): never a sitemap naming it.
    forged = client.get("/sitemap.xml", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and "evil.example" not in forged.get_data(as_text=True)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text for loc in ElementTree.fromstring(response.data).findall("s:url/s:loc", ns)]
    listings = {f"{BASE}{p}" for p in ("/", "/acteurs/", "/initiatives/", "/prets/", "/carte/", "/donnees/")}
    records = (
        {f"{BASE}/acteurs/{s}" for s in slugs["actors"]}
        | {f"{BASE}/initiatives/{s}" for s in slugs["initiatives"]}
        | {f"{BASE}/prets/{s}" for s in slugs["programmes"]}
    )
    assert len(locs) == len(set(locs))
    assert set(locs) == listings | records
    for hidden in slugs["hidden_actors"]:
        assert f"/acteurs/{hidden}<" not in response.get_data(as_text=True)
    assert "evil.example" not in response.get_data(as_text=True)


def test_robots_txt_disallows_every_private_area_and_points_to_the_sitemap(app, client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    disallowed = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    for prefix in ("/admin/", "/espace-partenaire/", "/connexion"):
        assert prefix in disallowed
    private = [
        r.rule
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/admin") or r.endpoint.split(".")[0] in ("auth", "partner")
    ]
    assert private and all(any(rule.startswith(p) for p in disallowed) for rule in private)
    public = ["/", "/acteurs/", "/initiatives/", "/prets/", "/carte/", "/donnees/", "/api/v1/actors", "/sitemap.xml"]
    assert not any(path.startswith(p) for path in public for p in disallowed)

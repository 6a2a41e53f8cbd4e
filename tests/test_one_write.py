"""The back office and the partner space write through one service: the same conflict table for the same concurrent
change, a single place that handles SQLAlchemy's StaleDataError and seals form states, and no screen package
importing another (until import-linter contracts enforce it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from registry.models import Actor, Axis
from registry.services.records import editing
from registry.services.records.actors import clean_actor
from tests.admin_support import changed, database, fresh, post_form, read_form
from tests.conftest import AuthActions
from tests.factories import make_user, ref

REGISTRY = Path(__file__).resolve().parent.parent / "registry"
SCREENS = ("admin", "partner", "public", "auth")
#: Modules of a screen package other screens may use: none (what they share lives in registry/web.py).
SHARED: tuple[str, ...] = ()
ONE_WRITE = REGISTRY / "services" / "records" / "editing"


def conflict_rows(html: str) -> list[tuple[str, ...]]:
    """The (field, then, now) rows of the page's conflict table."""
    section = html.split('class="alert alert-warning conflict"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>", section, re.S)
    return [tuple(cell.strip() for cell in row) for row in rows]


def test_back_office_and_partner_space_describe_the_same_conflict_alike(app, client, mine):
    officer = app.test_client()
    AuthActions(officer, app).as_role("officer")
    admin_url = f"/admin/actor/edit/?id={mine.actor_id}"
    admin_form = read_form(officer.get(admin_url).get_data(as_text=True))
    partner_form = read_form(client.get("/espace-partenaire/profil").get_data(as_text=True), "/espace-partenaire/")
    with database(app) as session:  # a third writer saves meanwhile
        writer = make_user(session, role="officer", email="troisieme@example.org")

        def apply(actor):
            actor.website = "https://entre-temps.example.org"
            actor.axes = [ref(session, Axis, "consommer")]

        actor = session.get(Actor, mine.actor_id)
        editing.save(session, actor, apply=apply, opened=editing.AS_IS, user=writer, source="admin",
                     cleaner=clean_actor)  # fmt: skip
    admin_page = post_form(officer, admin_url, changed(admin_form, phone="03 20 11 11 11")).get_data(as_text=True)
    partner_page = post_form(
        client, "/espace-partenaire/profil", changed(partner_form, phone="03 20 22 22 22")
    ).get_data(as_text=True)
    rows = conflict_rows(admin_page)
    assert ("Site web", "—", "https://entre-temps.example.org") in rows and any(r[0] == "Axes" for r in rows)
    assert conflict_rows(partner_page) == rows
    for page in (admin_page, partner_page):
        assert "troisieme@example.org" in page.split("conflict-title", 1)[1].split("</section>", 1)[0]
    assert fresh(app, Actor, mine.actor_id).phone is None


def imports_of(path: Path) -> set[str]:
    """The modules a source file imports (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("screen", SCREENS)
def test_a_screen_package_imports_no_other_screen_package(screen):
    others = tuple(f"registry.{name}" for name in SCREENS if name != screen)
    for path in sorted((REGISTRY / screen).rglob("*.py")):
        wrong = sorted(n for n in imports_of(path) if _within(n, others) and not _within(n, SHARED))
        assert not wrong, f"{path.relative_to(REGISTRY.parent)} imports {wrong}"


def _within(name: str, packages) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def test_services_import_no_screen_package():
    screens = tuple(f"registry.{name}" for name in SCREENS)
    for path in sorted((REGISTRY / "services").rglob("*.py")):
        wrong = sorted(n for n in imports_of(path) if _within(n, screens))
        assert not wrong, f"{path.relative_to(REGISTRY.parent)} imports {wrong}"


@pytest.mark.parametrize("needle", ["StaleDataError", "URLSafeSerializer", "row_version", "describe_conflict"])
def test_the_version_check_lives_in_the_one_write_only(needle):
    """One version check: no other module of the registry catches StaleDataError, seals a form's state, reads a
    separate version field or describes a conflict."""
    elsewhere = [
        str(path.relative_to(REGISTRY.parent))
        for path in REGISTRY.rglob("*.py")
        if ONE_WRITE not in path.parents and needle in path.read_text(encoding="utf-8")
    ]
    assert elsewhere == [], elsewhere

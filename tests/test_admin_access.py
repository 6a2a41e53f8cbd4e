"""Who may reach what in the back office: a role × endpoint matrix over every registered admin view (views
added later by other modules are covered automatically), then the row-level cases of SECURITY.md 2–7."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import AuditAction, AuditEvent, ImportBatch, LoanReport, Role
from registry.services.accounts.abilities import EXPORT, has_ability
from registry.services.history.audit import record_event
from tests.admin_support import changed, count, database, post_form, read_form
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import make_actor, make_contact, make_initiative, make_partnership, make_programme

ROLES = ("anonymous", "partner", "analyst", "officer", "admin")
#: Endpoints that change something (or only serve forms that do).
WRITE_ENDPOINTS = {"create_view", "edit_view", "delete_view", "action_view", "ajax_update", "ajax_lookup", "merge_view"}
SECRET_NAME = "Coopérative Confidentielle du Test"
SECRET_EMAIL = "camille.secret@example.org"


class Role_:
    """A role as the permission table sees it (None: anonymous)."""

    def __init__(self, name: str):
        self.name = name
        self.is_authenticated = name != "anonymous"
        self.is_active = True
        self.role = None if name == "anonymous" else Role(name)


def may(role: str, ability: str) -> bool:
    return has_ability(Role_(role), ability)


@pytest.fixture
def records(app):
    """One record of every kind the back office shows, including personal data."""
    with database(app) as session:
        actor = make_actor(session, name=SECRET_NAME)
        contact = make_contact(session, actor, email=SECRET_EMAIL)
        initiative = make_initiative(session, lead=actor)
        programme = make_programme(session, lender=actor)
        report = LoanReport(
            programme=programme,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
            loans_granted=3,
            amount_granted=Decimal("4500"),
        )
        session.add(report)
        partnership = make_partnership(session, actor=actor)
        event = record_event(
            session, action=AuditAction.UPDATE, source="admin", obj=actor, changes={"name": ["a", "b"]}
        )
        personal = record_event(
            session, action=AuditAction.UPDATE, source="partner", obj=contact, changes={"email": ["x", SECRET_EMAIL]}
        )
        batch = ImportBatch(filename="import.xlsx", file_hash="0" * 64)
        session.add(batch)
        session.flush()
        return {
            "Actor": actor.id,
            "Contact": contact.id,
            "Initiative": initiative.id,
            "LoanProgramme": programme.id,
            "LoanReport": report.id,
            "Partnership": partnership.id,
            "AuditEvent": event.id,
            "personal_event": personal.id,
            "ImportBatch": batch.id,
        }


def record_id(app, view, records) -> int:
    model = getattr(view, "model", None)
    if model is None:
        return 1
    if model.__name__ in records:
        return records[model.__name__]
    with app.app_context():  # a view added by another module: any of its rows
        pk = model.__mapper__.primary_key[0]
        return db.session.scalar(sa.select(sa.func.min(pk))) or 1


def concrete(url: str, records, view=None) -> str:
    """A view URL with its placeholders filled (integer ids with a real import batch)."""
    url = url.replace("<export_type>", (getattr(view, "export_types", None) or ["csv"])[0])
    url = re.sub(r"<(?:[a-z]+:)?key>", "acteurs-axes-quartiers", url)
    url = re.sub(r"<int:[^>]+>", str(records.get("ImportBatch", 1)), url)
    return re.sub(r"<[^>]+>", "x", url)


def admin_requests(app, records):
    """(view, endpoint name, method, path) for every URL of every registered admin view."""
    admin = app.extensions["registry_admin"]
    for view in admin._views:
        ident = record_id(app, view, records)
        for url, name, methods in view._urls:
            base = (view.url.rstrip("/") + concrete(url, records, view)) if url != "/" else view.url.rstrip("/") + "/"
            query = f"?id={ident}&name={next(iter(getattr(view, '_form_ajax_refs', {}) or {'x': 0}))}&query=co"
            for method in methods or ("GET",):
                if method in ("GET", "POST"):
                    yield view, name, method, base + query


def expected_allowed(view, name: str, method: str, role: str) -> bool:
    if not may(role, view.required_ability):
        return False
    if name == "export":
        return getattr(view, "allow_export", False) and may(role, EXPORT)
    if name in WRITE_ENDPOINTS or method == "POST":
        writer = may(role, getattr(view, "write_ability", view.required_ability))
        allows = {
            "create_view": getattr(view, "allow_create", True),
            "edit_view": getattr(view, "allow_edit", True),
            "ajax_update": getattr(view, "allow_edit", True),
            "delete_view": getattr(view, "allow_delete", True),
            "ajax_lookup": getattr(view, "allow_create", True) or getattr(view, "allow_edit", True),
        }
        return writer and allows.get(name, True)
    return True


def sign_in(app, client, role: str) -> None:
    if role != "anonymous":
        AuthActions(client, app).as_role(role)


def token_for(client) -> str:
    """A valid CSRF token of the client's session (from the header's logout form, or the sign-in form)."""
    page = client.get("/").get_data(as_text=True)
    if 'name="csrf_token"' not in page:
        page = client.get("/connexion").get_data(as_text=True)
    return csrf_token_from(page)


def post_data(client, name: str, ident: int) -> dict:
    token = token_for(client)
    return {"csrf_token": token, "id": ident, "rowid": ident, "action": "delete", "list_form_pk": ident, "name": "x"}


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_enforces_the_role(app, records, role):
    client = app.test_client()
    sign_in(app, client, role)
    checked = 0
    for view, name, method, url in admin_requests(app, records):
        ident = record_id(app, view, records)
        if method == "POST":
            response = client.post(url, data=post_data(client, name, ident))
        else:
            response = client.get(url)
        body = response.get_data().decode("utf-8", errors="replace")
        where = f"{role} {method} {url} ({type(view).__name__}.{name})"
        if role == "anonymous":
            assert response.status_code == 302, where
            assert "/connexion" in response.headers["Location"], where
        elif not expected_allowed(view, name, method, role):
            assert response.status_code == 403, where
        else:
            assert response.status_code not in (403, 400, 500), where
        if response.status_code in (302, 403):
            assert SECRET_NAME not in body and SECRET_EMAIL not in body, where
        checked += 1
    assert checked > 100  # every view's list, forms, actions, exports, lookups, history and custom pages


def test_matrix_covers_views_added_later(app, records):
    """A view registered after start-up (as other modules do) is in the matrix without any change here."""
    admin = app.extensions["registry_admin"]
    names = {type(v).__name__ for v in admin._views}
    assert {"DashboardView", "ActorView", "AuditEventView", "ReviewQueueView", "AxisView"} <= names
    urls = {(type(v).__name__, n) for v, n, _, _ in admin_requests(app, records)}
    for view in admin._views:
        for _, endpoint, _ in view._urls:
            assert (type(view).__name__, endpoint) in urls


@pytest.mark.parametrize("role", ["officer", "analyst"])
def test_reference_data_is_for_admins_only(app, client, auth, role):
    auth.as_role(role)
    assert client.get("/admin/axis/").status_code == 403
    assert client.get("/admin/legalform/edit/?id=1").status_code == 403


def test_admin_manages_reference_data(app, client, auth):
    auth.as_role("admin")
    html = client.get("/admin/axis/edit/?id=1").get_data(as_text=True)
    response = post_form(client, "/admin/axis/edit/?id=1", changed(read_form(html), description="Nouvelle description"))
    assert response.status_code == 302
    assert count(app, AuditEvent, AuditEvent.entity_type == "Axis", AuditEvent.action == AuditAction.UPDATE) == 1


def test_analyst_writes_are_refused_and_change_nothing(app, client, auth, records):
    auth.as_role("analyst")
    token = token_for(client)
    actor = records["Actor"]
    for url, data in [
        (f"/admin/actor/edit/?id={actor}", {"name": "Piraté"}),
        ("/admin/actor/new/", {"name": "Piraté"}),
        ("/admin/actor/delete/", {"id": actor}),
        ("/admin/actor/action/", {"action": "archive", "rowid": actor}),
        ("/admin/a-relire/action/", {"action": "reviewed", "rowid": records["personal_event"]}),
    ]:
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    with database(app) as session:
        from registry.models import Actor, ActorStatus

        record = session.get(Actor, actor)
        assert record.name == SECRET_NAME and record.status == ActorStatus.ACTIVE and record.version == 1
        assert session.get(AuditEvent, records["personal_event"]).reviewed_at is None


def test_posts_without_csrf_token_change_nothing(app, client, auth, records):
    auth.as_role("officer")
    actor = records["Actor"]
    html = client.get(f"/admin/actor/edit/?id={actor}").get_data(as_text=True)
    fields = [(k, v) for k, v in changed(read_form(html), name="Sans jeton") if k != "csrf_token"]
    assert post_form(client, f"/admin/actor/edit/?id={actor}", fields).status_code == 400
    assert client.post("/admin/actor/delete/", data={"id": actor}).status_code == 400
    assert client.post("/admin/actor/action/", data={"action": "archive", "rowid": actor}).status_code == 400
    assert count(app, AuditEvent, AuditEvent.entity_id == actor, AuditEvent.source == "admin") == 1


def test_analysts_never_see_contacts_personal_data(app, client, auth, records):
    auth.as_role("analyst")
    actor, personal = records["Actor"], records["personal_event"]
    pages = [
        "/admin/actor/",
        f"/admin/actor/details/?id={actor}",
        f"/admin/actor/history/?id={actor}",
        "/admin/auditevent/",
        f"/admin/auditevent/details/?id={personal}",
    ]
    for url in pages:
        response = client.get(url)
        assert SECRET_EMAIL not in response.get_data(as_text=True), url
    # Counts are scoped like rows (get_count_query): the analyst's audit list counts only what it shows.
    assert "Liste (1)" in client.get("/admin/auditevent/").get_data(as_text=True)
    # get_one is scoped too: the personal event's details page does not exist for an analyst.
    response = client.get(f"/admin/auditevent/details/?id={personal}")
    assert response.status_code == 302
    assert "Contacts" not in client.get(f"/admin/actor/details/?id={actor}").get_data(as_text=True)


def test_officers_see_contacts_and_their_history(app, client, auth, records):
    auth.as_role("officer")
    actor = records["Actor"]
    assert "Camille Exemple" in client.get(f"/admin/actor/details/?id={actor}").get_data(as_text=True)
    assert SECRET_EMAIL in client.get(f"/admin/actor/history/?id={actor}").get_data(as_text=True)
    assert SECRET_EMAIL in client.get(f"/admin/auditevent/details/?id={records['personal_event']}").get_data(
        as_text=True
    )


def test_lookups_are_capped_and_leave_archived_records_out(app, client, auth):
    with database(app) as session:
        for n in range(30):
            make_actor(session, name=f"Coopérative Lookup {n:02d}")
        from registry.models import ActorStatus

        make_actor(session, name="Coopérative Lookup Archivée", status=ActorStatus.ARCHIVED)
    auth.as_role("officer")
    response = client.get(
        "/admin/initiative/ajax/lookup/",
        query_string={"name": "lead_actor", "query": "cooperative lookup", "limit": 1000},
    )
    names = [label for _, label in response.get_json()]
    assert response.status_code == 200 and len(names) == 20
    assert all("Archivée" not in n for n in names)
    response = client.get("/admin/initiative/ajax/lookup/", query_string={"name": "lead_actor", "query": "archivee"})
    assert response.get_json() == []
    assert client.get("/admin/initiative/ajax/lookup/", query_string={"name": "nope", "query": "a"}).status_code == 404


def test_bulk_action_only_touches_rows_in_scope(app, client, auth, records):
    """The review queue's scope is pending partner changes: other events' ids sent by hand are left alone."""
    auth.as_role("officer")
    token = csrf_token_from(client.get("/admin/a-relire/").get_data(as_text=True))
    ids = [records["AuditEvent"], records["personal_event"]]
    client.post("/admin/a-relire/action/", data={"action": "reviewed", "rowid": ids, "csrf_token": token})
    with database(app) as session:
        assert session.get(AuditEvent, records["AuditEvent"]).reviewed_at is None  # an admin event: not in scope
        assert session.get(AuditEvent, records["personal_event"]).reviewed_at is not None


def test_admin_pages_are_never_cached(app, client, auth, records):
    auth.as_role("officer")
    for url in [
        "/admin/",
        "/admin/actor/",
        f"/admin/actor/edit/?id={records['Actor']}",
        "/admin/tableau/secteurs-strategiques.xlsx",
    ]:
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    # The public site, seen by an anonymous visitor, may be cached.
    assert app.test_client().get("/").headers.get("Cache-Control") != "no-store"


def test_forbidden_page_is_french_and_empty_of_data(app, client, auth, records):
    auth.as_role("partner")
    response = client.get(f"/admin/actor/details/?id={records['Actor']}")
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "Accès refusé" in body and SECRET_NAME not in body

"""Users in the back office, admins only: SECURITY.md items 1, 6, 7, 9; issue 3 § 9."""

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import AuditAction, AuditEvent, Role, User
from registry.services.accounts.users import LAST_ADMIN, delete_user, update_user
from registry.services.records.errors import ValidationErrors
from tests.admin_support import changed, post_form, read_form
from tests.conftest import csrf_token_from
from tests.factories import make_actor, make_user

USER_URLS = (
    "/admin/users/",
    "/admin/users/new/",
    "/admin/users/details/?id={id}",
    "/admin/users/edit/?id={id}",
    "/admin/users/export/csv/",
)


def user_in(app, **fields) -> User:
    with app.app_context():
        user = make_user(db.session, **fields)
        db.session.commit()
        return db.session.get(User, user.id)


def reload(app, user_id) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


def test_anonymous_is_sent_to_sign_in(client, app):
    user = user_in(app, role="officer")
    for url in USER_URLS:
        response = client.get(url.format(id=user.id))
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url
        assert user.email not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "analyst", "partner"])
def test_only_admins_manage_users(auth, app, role):
    target = user_in(app, role="officer")
    auth.as_role(role)
    for url in USER_URLS:
        response = auth.client.get(url.format(id=target.id))
        assert response.status_code == 403, url
        assert target.email not in response.get_data(as_text=True)
    token = csrf_token_from(auth.client.get("/").get_data(as_text=True))
    auth.client.post("/admin/users/action/", data={"action": "deactivate", "rowid": [target.id], "csrf_token": token})
    auth.client.post("/admin/users/delete/", data={"id": target.id, "csrf_token": token})
    assert reload(app, target.id).active is True


def test_hashes_and_tokens_never_leave_the_database(auth, app):
    target = user_in(app, role="officer")
    auth.as_role("admin")
    for url in USER_URLS:
        body = auth.client.get(url.format(id=target.id)).get_data(as_text=True)
        assert target.password_hash not in body and "argon2" not in body, url
        assert target.session_token not in body, url
        assert "password_hash" not in body and "session_token" not in body, url


def test_admin_creates_a_user_who_receives_an_invitation(auth, app, outbox):
    auth.as_role("admin")
    page = auth.client.get("/admin/users/new/").get_data(as_text=True)
    response = auth.client.post(
        "/admin/users/new/",
        data={
            "email": "Nouvel.Agent@Example.org",
            "full_name": "Nouvel Agent",
            "role": "analyst",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "nouvel.agent@example.org"))
        assert (user.role, user.password_hash, user.invited_at is not None) == (Role.ANALYST, None, True)
    [mail] = outbox.to("nouvel.agent@example.org")
    assert "/mot-de-passe/" in outbox.text(mail)


def test_admin_creating_a_partner_without_actor_gets_a_french_error(auth, app):
    auth.as_role("admin")
    page = auth.client.get("/admin/users/new/").get_data(as_text=True)
    response = auth.client.post(
        "/admin/users/new/",
        data={"email": "p@example.org", "role": "partner", "csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    assert "Un compte partenaire doit être rattaché à un acteur." in response.get_data(as_text=True)


def test_admin_changes_a_role_and_it_is_audited(auth, app):
    target = user_in(app, role="officer")
    admin_id = auth.as_role("admin")
    url = f"/admin/users/edit/?id={target.id}"
    page = auth.client.get(url).get_data(as_text=True)
    fields = changed(read_form(page), full_name="Renommé", role="analyst", active="y")  # the sealed state with them
    response = post_form(auth.client, url, fields)
    assert response.status_code == 302
    assert (reload(app, target.id).role, reload(app, target.id).full_name) == (Role.ANALYST, "Renommé")
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_id == target.id, AuditEvent.action == AuditAction.ACCOUNT)
        ).all()[-1]
        assert event.user_id == admin_id and event.changes["role"] == ["officer", "analyst"]


def test_edit_without_csrf_changes_nothing(auth, app):
    target = user_in(app, role="officer")
    auth.as_role("admin")
    response = auth.client.post(f"/admin/users/edit/?id={target.id}", data={"role": "admin", "active": "y"})
    assert response.status_code == 400
    assert reload(app, target.id).role == Role.OFFICER


def test_deactivate_action_ends_the_sessions(auth, app):
    target = user_in(app, role="officer")
    auth.as_role("admin")
    token = csrf_token_from(auth.client.get("/admin/users/").get_data(as_text=True))
    response = auth.client.post(
        "/admin/users/action/", data={"action": "deactivate", "rowid": [target.id], "csrf_token": token}
    )
    assert response.status_code == 302
    after = reload(app, target.id)
    assert after.active is False and after.session_token != target.session_token


def test_resend_invitation_voids_the_previous_link(auth, app, outbox):
    target = user_in(app, role="officer", password_hash=None)
    auth.as_role("admin")
    for _ in range(2):
        token = csrf_token_from(auth.client.get("/admin/users/").get_data(as_text=True))
        auth.client.post(
            "/admin/users/action/", data={"action": "resend_invitation", "rowid": [target.id], "csrf_token": token}
        )
    first, second = [link for link in outbox.links(target.email) if "/mot-de-passe/" in link]
    visitor = app.test_client()
    assert visitor.get(first.replace(app.config["BASE_URL"], "")).status_code == 400
    assert visitor.get(second.replace(app.config["BASE_URL"], "")).status_code == 302


def test_last_active_admin_cannot_be_demoted_deactivated_or_deleted(app, session):
    admin = make_user(session, role="admin")
    make_user(session, role="admin", active=False)
    session.commit()
    for change in ({"role": "officer"}, {"active": False}):
        with pytest.raises(ValidationErrors) as error:
            update_user(session, admin, by=admin, source="admin", **change)
        assert LAST_ADMIN in error.value.errors.values()
        session.rollback()
    with pytest.raises(ValidationErrors):
        delete_user(session, admin, by=admin, source="admin")
    session.rollback()
    second = make_user(session, role="admin")
    session.commit()
    update_user(session, admin, by=second, source="admin", role="officer")
    session.commit()
    with pytest.raises(ValidationErrors):
        update_user(session, second, by=second, source="admin", active=False)


def test_last_admin_guard_holds_through_the_back_office(auth, app):
    admin_id = auth.as_role("admin")
    url = f"/admin/users/edit/?id={admin_id}"
    page = auth.client.get(url).get_data(as_text=True)
    fields = changed(read_form(page), full_name="Moi", role="officer", active="y")
    response = post_form(auth.client, url, fields, follow_redirects=True)
    assert "dernier administrateur actif" in response.get_data(as_text=True)
    token = csrf_token_from(auth.client.get("/admin/users/").get_data(as_text=True))
    auth.client.post("/admin/users/delete/", data={"id": admin_id, "csrf_token": token})
    auth.client.post("/admin/users/action/", data={"action": "deactivate", "rowid": [admin_id], "csrf_token": token})
    after = reload(app, admin_id)
    assert (after.role, after.active) == (Role.ADMIN, True)


def test_admin_deletes_a_user_and_the_audit_keeps_who(auth, app):
    target = user_in(app, role="analyst")
    admin_id = auth.as_role("admin")
    token = csrf_token_from(auth.client.get("/admin/users/").get_data(as_text=True))
    assert auth.client.post("/admin/users/delete/", data={"id": target.id, "csrf_token": token}).status_code == 302
    assert reload(app, target.id) is None
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DELETE))
        assert (event.user_id, event.entity_label) == (admin_id, target.full_name)


def test_partner_role_needs_an_actor_and_staff_roles_drop_it(app, session):
    actor = make_actor(session)
    partner = make_user(session, role="partner", actor=actor)
    admin = make_user(session, role="admin")
    session.commit()
    update_user(session, partner, by=admin, source="admin", role="officer")
    assert partner.actor is None
    with pytest.raises(ValidationErrors, match="rattaché à un acteur"):
        update_user(session, partner, by=admin, source="admin", role="partner")


def test_markup_typed_in_the_back_office_comes_back_escaped(auth, app):
    auth.as_role("admin")
    markup = "<img src=x onerror=alert(1)>"
    page = auth.client.get("/admin/users/new/").get_data(as_text=True)
    response = auth.client.post(
        "/admin/users/new/",
        data={"email": markup, "full_name": markup, "role": "officer", "csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert markup not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # in the French error (flash or field message)


def test_a_stale_account_form_is_a_conflict_not_an_overwrite(auth, app):
    """Accounts are saved by the one write too: the edit form's sealed state is checked."""
    target = user_in(app, role="officer", full_name="Avant")
    auth.as_role("admin")
    url = f"/admin/users/edit/?id={target.id}"
    fields = read_form(auth.client.get(url).get_data(as_text=True))
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other, app).as_role("admin")
    theirs = changed(read_form(other.get(url).get_data(as_text=True)), full_name="Choisi par l'autre")
    assert post_form(other, url, theirs).status_code == 302
    response = post_form(auth.client, url, changed(fields, role="analyst"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Modification concurrente" in body and "Choisi par l&#39;autre" in body
    assert (reload(app, target.id).role, reload(app, target.id).full_name) == (Role.OFFICER, "Choisi par l'autre")

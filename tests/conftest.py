"""Test fixtures: the suite runs on SQLite by default, on PostgreSQL when REGISTRY_TEST_DATABASE_URL
(or ``--database-url``) names a server; each run gets a database of its own, built by the migrations."""

from __future__ import annotations

import os
import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from registry import create_app
from registry.auth.deferred import drain
from registry.extensions import db
from registry.services.reference.loading import load_reference
from registry.services.reporting import facts

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


class ServerLikeClient(FlaskClient):
    """Flask's test client, closing each response at once as a WSGI server does once it has sent it, then waiting
    for the work a view left for after the response (registry/auth/deferred.py), so that it has run when the test
    reads the result."""

    def open(self, *args, buffered=True, **kwargs):
        response = super().open(*args, buffered=buffered, **kwargs)
        drain(timeout=30)
        return response


Flask.test_client_class = ServerLikeClient


def pytest_addoption(parser):
    parser.addoption(
        "--database-url",
        default=os.environ.get("REGISTRY_TEST_DATABASE_URL"),
        help="PostgreSQL server URL (postgresql+psycopg://user@host:port/postgres); SQLite when absent.",
    )


def pytest_report_header(config):
    url = config.getoption("--database-url")
    return f"registry database engine: {'postgresql' if url else 'sqlite'}"


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    """A fresh, empty database for this test run (SQLite file, or a new PostgreSQL database)."""
    server = request.config.getoption("--database-url")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.sqlite'}"
        return
    base = sa.engine.make_url(server)
    name = f"registry_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.exit(f"PostgreSQL demandé ({server}) mais injoignable : {exc}", returncode=3)
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def make_test_config(database_url: str, tmp_path, **overrides) -> dict:
    """Settings of a test application."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "file",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "BASE_URL": "https://registre.example.test",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application under test, its database migrated once for the session."""
    from flask_migrate import upgrade

    application = create_app(make_test_config(database_url, tmp_path_factory.mktemp("app")))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _clean_database(engine: sa.Engine) -> None:
    # The change log's state is the schema's, like ``alembic_version``; its log goes with the data, so what this
    # process kept of the facts goes too.
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "change_log_state"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.execute(table.delete())
    facts.forget()


@pytest.fixture(autouse=True)
def _fresh_database(request, app):
    """Each test starts with an empty registry holding only the reference data."""
    if "no_database" in request.keywords:
        yield
        return
    with app.app_context():
        db.session.remove()
        _clean_database(db.engine)
        load_reference(db.session)
        db.session.commit()
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture
def session(app):
    """A database session of the test's own, as a second user of the database would have one.

    It is deliberately not ``db.session`` in an application context held for the whole test: requests made
    by the test client then run in contexts of their own, so a view that forgets to commit cannot pass a
    test by sharing the test's session. After a request, start a new transaction (``session.commit()`` or
    ``session.rollback()``) to see what the request wrote. Services that read ``current_app`` need a
    ``with app.app_context():`` block.
    """
    with app.app_context():
        engine = db.engine
    own = sa.orm.Session(engine)
    try:
        yield own
    finally:
        own.rollback()
        own.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client, app):
        self.client = client
        self.app = app

    def login(self, email: str, password: str, follow_redirects: bool = False, **query):
        page = self.client.get("/connexion", query_string=query)
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post(
            "/connexion",
            query_string=query,
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        page = self.client.get("/")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post("/deconnexion", data={"csrf_token": token})

    def as_role(self, role: str, **kwargs):
        """Create a user of ``role`` (a partner gets an actor) and sign in; returns the user's id."""
        from tests.factories import DEFAULT_PASSWORD, make_user

        with self.app.app_context():
            user = make_user(db.session, role=role, **kwargs)
            db.session.commit()
            user_id, email = user.id, user.email
        response = self.login(email, DEFAULT_PASSWORD)
        assert response.status_code == 302, "sign-in failed"
        return user_id


@pytest.fixture
def auth(client, app):
    return AuthActions(client, app)


class Outbox:
    """The e-mails the application wrote to its file outbox (MAIL_OUTBOX) during a test."""

    def __init__(self, path):
        self.path = path

    def clear(self) -> None:
        for eml in self.path.glob("*.eml"):
            eml.unlink()

    @property
    def messages(self):
        from registry.services.outputs.mail import read_outbox

        return read_outbox(self.path)

    def to(self, address: str):
        """Messages sent to ``address``."""
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    def links(self, address: str) -> list[str]:
        """Every link in the plain-text bodies of the messages sent to ``address``, oldest first."""
        return [link for m in self.to(address) for link in re.findall(r"https?://\S+", self.text(m))]


@pytest.fixture
def outbox(app):
    """The file outbox, emptied for this test."""
    from pathlib import Path

    box = Outbox(Path(app.config["MAIL_OUTBOX"]))
    box.path.mkdir(parents=True, exist_ok=True)
    box.clear()
    return box


@pytest.fixture
def orgs(app):
    """Two organisations, each with its partner account, a contact, a partnership and an initiative."""
    from tests.partner_support import two_organisations

    return two_organisations(app)


@pytest.fixture
def mine(app, client, orgs):
    """Signed in as the first organisation's partner."""
    from tests.partner_support import sign_in

    sign_in(app, client, orgs[0])
    return orgs[0]


@pytest.fixture
def services(app, httpserver):
    """The public services (company register, geocoder) answered by a loopback HTTP server: see
    tests/connectors_support.py for the documented formats."""
    from tests.connectors_support import pointed_at

    yield from pointed_at(app, httpserver)

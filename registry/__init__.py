"""The Lille ESS registry: ``create_app`` builds the Flask application in small named steps."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from registry.config import (
    ConfigurationError,
    check_production,
    defaults,
    ensure_secret_key,
    from_environment,
    trusted_hosts,
)

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ConfigurationError", "create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` (tests) overrides every other setting."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    load_configuration(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_admin(app)
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def load_configuration(app: Flask, config: dict | None) -> None:
    """Defaults, then instance/config.py, then REGISTRY_* variables, then ``config``."""
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    ensure_secret_key(app)
    check_production(app)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    if app.config["ENV"] == "production" or app.config.get("TESTING"):
        app.debug = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin at every start


def register_extensions(app: Flask) -> None:
    """Bind the extension objects and configure the database engine."""
    from registry import models  # noqa: F401  (registers the tables)
    from registry.extensions import babel, csrf, db, limiter, login_manager, migrate
    from registry.services.public import versions  # noqa: F401  (the shared data version moves after each commit)
    from registry.services.records import search, versioning  # noqa: F401  (search_text and version counters on flush)
    from registry.sqlite import configure_sqlite

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "fr", timezone_selector=lambda: "Europe/Paris")
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    _write_requests_lock_first(app)
    from registry.auth import init_auth

    init_auth(app)


#: Requests of these methods write: on SQLite their transactions take the write lock at BEGIN (registry/sqlite.py).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _write_requests_lock_first(app: Flask) -> None:
    from flask import g, request

    from registry.sqlite import enter_mode, leave_mode

    def _sqlite_mode():
        g.sqlite_mode = enter_mode(writes=request.method in WRITE_METHODS)

    app.before_request_funcs.setdefault(None, []).insert(0, _sqlite_mode)  # before any hook reads the database

    @app.teardown_request
    def _sqlite_mode_end(_exc):
        token = g.pop("sqlite_mode", None)
        if token is not None:
            leave_mode(token)


def register_blueprints(app: Flask) -> None:
    """Public site, sign-in, partner space and API."""
    from registry.auth.views import bp as auth_bp
    from registry.health import bp as health_bp
    from registry.partner import bp as partner_bp
    from registry.public import api_bp
    from registry.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(partner_bp, url_prefix="/espace-partenaire")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_admin(app: Flask) -> None:
    """The back office (a fresh Flask-Admin for each app)."""
    from registry.admin import init_admin
    from registry.admin.io import init_io_views

    init_io_views(init_admin(app))


def register_errorhandlers(app: Flask) -> None:
    """French error pages; never a traceback."""
    from registry.errors import init_errors

    init_errors(app)


def register_security(app: Flask) -> None:
    """Security headers (CSP with nonces), trusted proxies, no-store on private pages, token-free logs."""
    from registry.security import init_security

    init_security(app)


def register_template_helpers(app: Flask) -> None:
    """Jinja filters for French formats."""
    from registry.templating import init_templating

    init_templating(app)


def register_commands(app: Flask) -> None:
    """The ``registry`` command group."""
    from registry import cli_services  # noqa: F401  (the public services' commands of the group)
    from registry.cli import registry_cli

    app.cli.add_command(registry_cli)

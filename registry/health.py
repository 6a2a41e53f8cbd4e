"""``/sante``: what the load balancer asks each app server. 200 « ok » when the database answers, Redis answers
(when REDIS_URL is set) and the database's migrations are the code's; else 503 with the failing parts, in JSON.
Nothing secret in the answer (no address, no version)."""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from registry.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
_heads: dict[str, set[str]] = {}


def migration_heads() -> set[str]:
    """The head revisions of the code's migrations (read once per process)."""
    directory = current_app.extensions["migrate"].directory
    if directory not in _heads:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", directory)
        _heads[directory] = set(ScriptDirectory.from_config(config).get_heads())
    return _heads[directory]


def checks() -> dict[str, str]:
    result = {}
    try:
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
        result["base"] = "ok"
        result["migrations"] = "ok" if current == migration_heads() else "en retard"
    except sa.exc.SQLAlchemyError as exc:
        log.warning("Health: database unreachable: %s", exc)
        db.session.rollback()
        result["base"] = result["migrations"] = "injoignable"
    finally:
        db.session.rollback()
    if current_app.config.get("REDIS_URL"):
        from registry.services.public.versions import redis_client

        try:
            redis_client().ping()
            result["redis"] = "ok"
        except (redis.RedisError, OSError) as exc:
            log.warning("Health: Redis unreachable: %s", exc)
            result["redis"] = "injoignable"
    return result


@bp.get("/sante")
def health():
    result = checks()
    healthy = all(value == "ok" for value in result.values())
    response = jsonify(statut="ok" if healthy else "dégradé", **result)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503

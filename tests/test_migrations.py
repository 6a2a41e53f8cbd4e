"""The migrations build the schema the models describe, on the engine under test."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.extensions import db


def test_models_and_migrations_agree(app):
    # The session's database was built by `flask db upgrade` (see conftest): autogenerate must find nothing.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_single_migration_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    assert isinstance(app.extensions["migrate"].migrate, Migrate)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1

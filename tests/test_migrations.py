"""The migrations build the schema the models describe, on the engine under test."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.extensions import db
from registry.schema_extras import include_object

# SQLite cannot reflect the expression indexes of the public search; include_object leaves them out anyway.
pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")


def test_models_and_migrations_agree(app):
    # The session's database was built by `flask db upgrade` (see conftest): autogenerate must find nothing.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True, "include_object": include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_single_migration_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    assert isinstance(app.extensions["migrate"].migrate, Migrate)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1

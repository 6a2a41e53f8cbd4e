"""Database objects that the migrations create outside the models, and the autogenerate filter that ignores them.

The public search needs engine-specific objects SQLAlchemy models cannot describe portably: SQLite FTS5 tables
(with their shadow tables and triggers), PostgreSQL GIN full-text indexes, and expression indexes on the sort key.
Migration ``0002_public_search`` creates them; ``include_object`` keeps ``flask db migrate`` (and the test that
models and migrations agree) from reporting them as differences.
"""

from __future__ import annotations

FTS_TABLES = ("actors_fts", "initiatives_fts")
FTS5_SHADOW_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")
SEARCH_INDEXES = frozenset(
    {
        *(f"ix_{t}_{kind}" for t in ("actors", "initiatives") for kind in ("sort_key", "updated_at", "search_vector")),
        "ix_actors_name_vector",
        "ix_initiatives_title_vector",
        "ix_actors_public_status",
        "ix_actors_esus_date",
        # The public directory's order (migration 0008_sort_name; published first on SQLite).
        "ix_actors_public_sort_name",
        "ix_initiatives_public_sort_name",
    }
)
SEARCH_TABLES = frozenset(f"{fts}{suffix}" for fts in FTS_TABLES for suffix in FTS5_SHADOW_SUFFIXES)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: leave out the search objects that exist in the database but not in the models."""
    if reflected and compare_to is None:
        if type_ == "table" and name in SEARCH_TABLES:
            return False
        if type_ == "index" and name in SEARCH_INDEXES:
            return False
    return True

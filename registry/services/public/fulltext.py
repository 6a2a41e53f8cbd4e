"""Accent- and case-insensitive full-text search over the folded ``search_text`` of actors and initiatives.

The query is folded like the indexed text (``normalize.fold``), split into words, and every word must match
(as a prefix when it has three letters or more, so "regie" finds "Régie" and "régies"). Each engine uses its
own index, created by migration ``0002_public_search``:

- SQLite: the FTS5 tables ``actors_fts`` / ``initiatives_fts``;
- PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``.

``name_match`` says whether every word is also in the name (or title): those results come first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from registry.services.reference.normalize import fold

#: Words shorter than this are ignored ("l" from "l'économie" would match everything).
MIN_WORD = 2
#: Words at least this long match as prefixes.
PREFIX_FROM = 3
#: At most this many words are searched.
MAX_WORDS = 8


@dataclass(frozen=True)
class SearchTarget:
    """A searched table: its model, its label column (name or title) and its SQLite FTS5 table."""

    model: type
    label: str
    fts_table: str


def search_words(query: str | None) -> list[str]:
    """The folded words of a query that take part in the search."""
    return [w for w in fold(query).split() if len(w) >= MIN_WORD][:MAX_WORDS]


def sort_key(model) -> sa.ColumnElement:
    """The indexed French-order key of the public lists: the folded name (``SortedByName``)."""
    return model.sort_name


def _fts5_expression(words: list[str], column: str | None = None) -> str:
    terms = " AND ".join(f'"{w}"*' if len(w) >= PREFIX_FROM else f'"{w}"' for w in words)
    return f"{column} : ({terms})" if column else terms


def _tsquery(words: list[str]) -> str:
    return " & ".join(f"{w}:*" if len(w) >= PREFIX_FROM else w for w in words)


def _fts5_ids(target: SearchTarget, expression: str) -> sa.Select:
    table = sa.table(target.fts_table, sa.column("rowid"))
    return sa.select(table.c.rowid).where(sa.literal_column(target.fts_table).op("MATCH")(expression))


def match_clause(target: SearchTarget, words: list[str], dialect: str) -> sa.ColumnElement[bool]:
    """Rows whose folded text contains every word."""
    model = target.model
    if dialect == "sqlite":
        return model.id.in_(_fts5_ids(target, _fts5_expression(words)))
    if dialect == "postgresql":
        vector = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), model.search_text)
        return vector.op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), _tsquery(words)))
    # Any other engine: a plain scan of the folded text, correct but slow.
    return sa.and_(*(model.search_text.contains(w, autoescape=True) for w in words))


def name_match(target: SearchTarget, words: list[str], dialect: str) -> sa.ColumnElement[bool]:
    """Rows whose name (or title) contains every word; evaluated on matching rows only, to rank them."""
    model = target.model
    label = getattr(model, target.label)
    if dialect == "sqlite":
        return model.id.in_(_fts5_ids(target, _fts5_expression(words, column=target.label)))
    if dialect == "postgresql":
        # Written like the GIN index on the name, so matching ids come from the index, not from each row.
        vector = sa.func.to_tsvector(
            sa.literal_column("'simple'::regconfig"), sa.func.lower(sa.func.registry_unaccent(label))
        )
        query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), _tsquery(words))
        return model.id.in_(sa.select(model.id).where(vector.op("@@")(query)))
    return sa.and_(*(sa.func.lower(label).contains(w, autoescape=True) for w in words))

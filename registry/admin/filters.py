"""List filters of the back office: each one a SQL clause, so counts and pages stay in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import sqlalchemy as sa
from flask import g
from flask_admin.contrib.sqla.filters import BaseSQLAFilter

from registry.extensions import db
from registry.services.reference.normalize import parse_decimal, parse_int

YES_NO = (("1", "Oui"), ("0", "Non"))
#: The largest id a row can have (a 32-bit INTEGER): a larger number in a URL names nothing.
MAX_ID = 2**31 - 1


class LazyChoices:
    """Filter options read from the database when a list is shown (once per request), never at start-up.

    They are kept in ``flask.g`` for the rest of the request: a cache of reference rows (the filter form and the
    active filters' labels read them several times), not a message between parts of the back office; the next
    request reads them afresh, so an axis renamed by an admin shows at once."""

    def __init__(self, statement_factory: Callable[[], sa.Select]):
        self.statement_factory = statement_factory

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[tuple[str, str]]:
        cache = g.setdefault("_admin_filter_choices", {})
        key = id(self)
        if key not in cache:
            cache[key] = [(str(k), str(v)) for k, v in db.session.execute(self.statement_factory())]
        return iter(cache[key])


def reference_choices(model, label_attr: str = "label", order_attr: str | None = None) -> LazyChoices:
    """Options id → label of a reference table (in the model's ``in_order()`` when it has one)."""
    label = getattr(model, label_attr)
    if order_attr:
        order = (getattr(model, order_attr),)
    else:
        order = model.in_order() if hasattr(model, "in_order") else (label,)
    return LazyChoices(lambda: sa.select(model.id, label).order_by(*order))


class ClauseFilter(BaseSQLAFilter):
    """A filter given as ``clause(value)``; ``parse`` turns the URL value into what the clause needs."""

    def __init__(
        self,
        column,
        name: str,
        clause: Callable,
        operation: str = "est",
        options=None,
        parse: Callable | None = None,
        data_type=None,
    ):
        super().__init__(column, name, options=options, data_type=data_type)
        self._clause = clause
        self._operation = operation
        self._parse = parse

    def clean(self, value):
        if self._parse is None:
            return value
        parsed = self._parse(value)
        if parsed is None:
            raise ValueError(value)
        return parsed

    def validate(self, value) -> bool:
        fixed = self.options and not isinstance(self.options, LazyChoices)
        if fixed and value not in {str(k) for k, _ in self.options}:
            return False
        try:
            self.clean(value)
        except (ValueError, TypeError, ArithmeticError):  # ValidationError is a ValueError
            return False
        return True

    def apply(self, query, value, alias=None):
        return query.filter(self._clause(value))

    def operation(self):
        return self._operation


def parse_id(value) -> int | None:
    """A positive integer id from a URL, or None."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None


def parse_amount(value):
    """A French amount from a filter box."""
    try:
        return parse_decimal(value)
    except ValueError:
        return None


def parse_year(value):
    """A year between 1900 and 2100."""
    try:
        return parse_int(value, minimum=1900, maximum=2100)
    except ValueError:
        return None


def many_to_many(column, name: str, table: sa.Table, owner_fk: str, target_fk: str, choices) -> ClauseFilter:
    """Rows linked to the chosen reference row through an association table (an EXISTS, no join)."""

    def clause(value):
        return column.in_(sa.select(table.c[owner_fk]).where(table.c[target_fk] == value))

    return ClauseFilter(column, name, clause, "comprend", options=choices, parse=parse_id)


def equals(column, name: str, choices, parse=parse_id, operation: str = "est") -> ClauseFilter:
    """Rows whose column equals the chosen option."""
    return ClauseFilter(column, name, lambda v: column == v, operation, options=choices, parse=parse)


def yes_no(column, name: str, clause_if_yes=None) -> ClauseFilter:
    """A yes/no filter (on a boolean column unless ``clause_if_yes``, a clause or a function making one, is given)."""

    def clause(value):
        yes = clause_if_yes() if callable(clause_if_yes) else clause_if_yes
        yes = column.is_(True) if yes is None else yes
        return yes if value == "1" else sa.not_(yes)

    return ClauseFilter(column, name, clause, "", options=YES_NO)


def amount_range(column, name: str) -> list[ClauseFilter]:
    """Two filters: amount at least / at most (French amounts accepted)."""
    return [
        ClauseFilter(column, name, lambda v: column >= v, "au moins (€)", parse=parse_amount),
        ClauseFilter(column, name, lambda v: column <= v, "au plus (€)", parse=parse_amount),
    ]


def year_of(date_expression, name: str) -> list[ClauseFilter]:
    """Rows whose date falls in a year, or in a range of years."""

    def in_year(year):
        return sa.and_(date_expression >= _date(year), date_expression < _date(year + 1))

    return [
        ClauseFilter(date_expression, name, in_year, "est", parse=parse_year),
        ClauseFilter(date_expression, name, lambda y: date_expression >= _date(y), "à partir de", parse=parse_year),
        ClauseFilter(date_expression, name, lambda y: date_expression < _date(y + 1), "jusqu'à", parse=parse_year),
    ]


def _date(year: int) -> date:
    return date(year, 1, 1)


class ArchiveFilter(ClauseFilter):
    """Archived records leave default lists; this filter shows them (alone, or with the others)."""

    CURRENT, ARCHIVED, ALL = "non", "oui", "tous"

    def __init__(self, column, archived_clause):
        options = ((self.CURRENT, "Non archivés"), (self.ARCHIVED, "Archivés"), (self.ALL, "Tous"))
        super().__init__(column, "Archivage", self._clause_for, "", options=options)
        self.archived_clause = archived_clause

    def _clause_for(self, value):
        if value == self.ARCHIVED:
            return self.archived_clause
        if value == self.ALL:
            return sa.true()
        return sa.not_(self.archived_clause)

"""Parse, validate and plan one workbook: the plan is the preview.

Rows are parsed cell by cell with the column specs, matched to records (Réf. and the sheet's other unique
keys, or its natural key: ``SheetSpec.ref_index`` / ``natural_key``), their references resolved (also to
records created by another sheet of the file), and their values set on ORM objects that are then checked by
the ``clean_*`` services. The planner is generic: what differs from sheet to sheet is in its spec. Nothing
is flushed: the caller rolls the session back (preview) or applies the plan (``importer.apply_plan``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import orm as so

from registry.services.history.audit import snapshot
from registry.services.records.errors import ValidationError, ValidationErrors
from registry.services.reference.matching import ReferenceData
from registry.workbook import columns as cols
from registry.workbook import duplicates
from registry.workbook.cells import display, parse_cell, same
from registry.workbook.columns import Column, SheetSpec, header_key
from registry.workbook.headers import report_merged_cells, sheet_headers
from registry.workbook.index import Loader, RecordIndex
from registry.workbook.reader import RawSheet
from registry.workbook.report import CHANGED, NEW, Change, ImportReport


@dataclass
class Planned:
    """A record the import creates or changes, with its audit snapshot before the change."""

    spec: SheetSpec
    obj: object
    new: bool
    before: dict | None = None


@dataclass
class Row:
    number: int
    values: dict
    parsed: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    target: object = None
    #: The row matches several records: it is only reported.
    ambiguous: bool = False


class Planner:
    """Plans the sheets of one workbook against the registry, in dependency order."""

    def __init__(self, session: so.Session, report: ImportReport, decisions: dict | None = None):
        self.session = session
        self.report = report
        #: The officer's choices about possible duplicates (``workbook.duplicates``).
        self.decisions = decisions or {}
        self.refdata = ReferenceData(session)
        self.indexes: dict[str, RecordIndex] = {}
        self.planned: list[Planned] = []
        self._natural: dict[type, tuple[dict, Loader]] = {}
        self._ref_counters: dict[str, int] = {}
        self._natural_tables: dict = {}

    # --- one sheet -----------------------------------------------------------------------------
    def plan_sheet(self, spec: SheetSpec, raw: RawSheet) -> None:
        """Parse, match, resolve, set and check every row of one sheet."""
        if not raw.rows:
            return
        mapping = sheet_headers(spec, raw, self.report)
        if mapping is None:
            return
        report_merged_cells(spec, raw, self.report)
        hidden = set(raw.hidden_rows)
        rows = []
        memos: dict[Column, dict | None] = {col: {} for col in mapping.values()}
        raw_rows, raw.rows = raw.rows, []  # the cells are let go row by row, as they are planned
        for at in range(1, len(raw_rows)):
            number, values = raw_rows[at]
            raw_rows[at] = None
            row = Row(number, values)
            for index, col in mapping.items():
                value = values.get(index)
                ok, parsed = _parsed(col, value, self.refdata, memos)
                if ok:
                    row.parsed[col] = parsed
                else:
                    row.errors.append((col, value, parsed))
            if not any(index in values for index in mapping):
                continue
            if number in hidden:
                row.errors.append(
                    (
                        None,
                        None,
                        "Ligne masquée : affichez toutes les lignes (ou supprimez "
                        "celle-ci) avant d'importer, pour importer ce que vous voyez.",
                    )
                )
            rows.append(row)
        del raw_rows
        self._resolve(spec, rows)
        seen: dict = {}
        # Each row's cells and parsed values are let go once it is planned: what stays is its record. The memory
        # freed is reused by the records that follow (100,000 rows' cells take hundreds of megabytes).
        for at, row in enumerate(rows):
            rows[at] = None
            self._plan_row(spec, mapping, row, seen)

    def _index_of(self, target: str) -> RecordIndex:
        """The records of the sheet reference columns name ``target``, indexed on first use."""
        if target not in self.indexes:
            spec = cols.SHEETS_BY_TARGET[target]
            ref = spec.ref_index
            self.indexes[target] = RecordIndex(self.session, spec.model, ref.what, ref.name_attr, the=ref.the)
        return self.indexes[target]

    def _resolve(self, spec: SheetSpec, rows: list[Row]) -> None:
        """References and matches of every row, then the records they name loaded in batches."""
        wanted: dict[int, tuple[RecordIndex, set]] = {}

        def want(index: RecordIndex, target) -> None:
            if isinstance(target, int):
                wanted.setdefault(id(index), (index, set()))[1].add(target)

        for row in rows:
            for col in [c for c in row.parsed if c.target]:
                text, index = row.parsed[col], self._index_of(col.target)
                try:
                    if col.kind.name == "record_many":
                        row.parsed[col] = tuple(index.find_many(text)) if text else ()
                    else:
                        row.parsed[col] = index.find_target(text) if text else None
                except ValidationError as exc:
                    row.errors.append((col, text, exc.message))
                    del row.parsed[col]
                    continue
                for target in row.parsed[col] if col.kind.name == "record_many" else [row.parsed[col]]:
                    want(index, target)
            row.target = duplicates.decide(self, spec, row, self._match(spec, row))
            if row.target is not None:
                want(self._own_index(spec), row.target)
        for index, ids in wanted.values():
            index.load(ids)
        for row in rows:
            for col in [c for c in row.parsed if c.target]:
                index = self._index_of(col.target)
                value = row.parsed[col]
                row.parsed[col] = (
                    tuple(index.obj(t) for t in value)
                    if isinstance(value, tuple)
                    else (index.obj(value) if value is not None else None)
                )
            if row.target is not None:
                row.target = self._own_index(spec).obj(row.target)

    def _own_index(self, spec: SheetSpec) -> Loader:
        if spec.ref_index is not None:
            return self._index_of(spec.ref_index.target)
        return self._natural_index(spec)[1]

    def _natural_index(self, spec: SheetSpec) -> tuple[dict, Loader]:
        """The records of a sheet without Réf. by natural key, and a loader."""
        if spec.model not in self._natural:
            self._natural[spec.model] = (spec.natural_keys(self.session), Loader(self.session, spec.model))
        return self._natural[spec.model]

    @staticmethod
    def _natural_key(spec: SheetSpec, row: Row):
        return spec.natural_key({c.attr: v for c, v in row.parsed.items()})

    def _match(self, spec: SheetSpec, row: Row):
        """The record a row updates (an index entry), or None for a new record."""
        by_attr = {c.attr: v for c, v in row.parsed.items()}
        if spec.ref_index is None:
            key = spec.natural_key(by_attr)
            if key is None:
                return None
            owner = key[0] if isinstance(key[0], int) else getattr(key[0], "id", None)
            return self._natural_index(spec)[0].get((owner, *key[1:])) if owner else None
        index = self._own_index(spec)
        ref = by_attr.get(index.key_attr)
        if ref and ref in index.by_key:
            return index.by_key[ref]
        for attr, _message in spec.ref_index.also_by:
            table = getattr(index, f"by_{attr}")
            if by_attr.get(attr) in table:
                return table[by_attr[attr]]
        if ref:
            return None
        for natural in spec.ref_index.natural:
            key = natural.row_key(by_attr)
            found = self._natural_table(natural).get(key, ()) if key is not None else ()
            if len(found) == 1:
                return found[0]
            if found:
                shown = ", ".join(f"« {index.obj(i)} » (réf. {getattr(index.obj(i), index.key_attr)})" for i in found)
                row.errors.append(
                    (
                        spec.by_key[header_key(natural.header)],
                        None,
                        f"Cette ligne sans Réf. correspond à plusieurs fiches ({natural.what}) : {shown}. "
                        "Indiquez la Réf. de celle à mettre à jour.",
                    )
                )
                row.ambiguous = True
                return None
        return None

    def _natural_table(self, natural) -> dict[tuple, list[int]]:
        """The existing records by one natural key, built on first use."""
        if natural not in self._natural_tables:
            table: dict[tuple, list[int]] = {}
            for key, record_id in natural.keys(self.session):
                if key is not None:
                    table.setdefault(key, []).append(record_id)
            self._natural_tables[natural] = table
        return self._natural_tables[natural]

    # --- one row -------------------------------------------------------------------------------
    def _plan_row(self, spec: SheetSpec, mapping: dict[int, Column], row: Row, seen: dict) -> None:
        count = self.report.count(spec.name)
        identity = self._identity(spec, row)
        if identity is not None and identity in seen:
            row.errors.append(
                (
                    None,
                    None,
                    f"Cette ligne désigne la même fiche que la ligne {seen[identity]} : une seule ligne par fiche.",
                )
            )
        elif identity is not None:
            seen[identity] = row.number
        if row.ambiguous:
            self._report_errors(spec, row, count)
            return
        obj, new = (row.target, False) if row.target is not None else (spec.model(), True)
        failed = {c for c, _v, _m in row.errors if c is not None}
        values = {c: v for c, v in row.parsed.items() if c not in failed and not (c.keep_when_empty and v is None)}
        if not new and not row.errors and all(same(v, c.get(obj)) for c, v in values.items()):
            count.unchanged += 1
            return
        before_values = {} if new else {c: c.get(obj) for c in values}
        before = None if new else snapshot(obj)
        if new:
            _set_new(spec, obj, values)
            self._give_reference(spec, obj)
            self._warn_duplicate(spec, row, obj)
        else:
            for col, value in values.items():
                col.set(obj, value)
        if spec.review is not None:
            raw = {c.header: row.values.get(i) for i, c in mapping.items()}
            for header, value, message in spec.review(obj, new, raw, self.refdata):
                self.report.warning(spec.name, row.number, header, value, message)
        try:
            if spec.unique:
                spec.clean(self.session, obj, check_unique=False)
            else:
                spec.clean(self.session, obj)
        except ValidationErrors as exc:
            for field_name, message in exc.errors.items():
                self._field_error(spec, mapping, row, field_name, message)
        if spec.unique:
            self._check_unique(spec, mapping, row, obj)
        if spec.ref_index is not None:
            self._own_index(spec).register(obj)
        if row.errors:
            self._report_errors(spec, row, count)
            return
        if new:
            count.new += 1
            self.report.changes.append(Change(spec.name, row.number, NEW, str(obj)))
            self.planned.append(Planned(spec, obj, True))
            return
        fields = [
            (c.header, display(before_values[c]), display(c.get(obj)))
            for c in values
            if not same(before_values[c], c.get(obj))
        ]
        if not fields:
            count.unchanged += 1
            return
        count.changed += 1
        self.report.changes.append(Change(spec.name, row.number, CHANGED, str(obj), fields))
        self.planned.append(Planned(spec, obj, False, before))

    def _report_errors(self, spec: SheetSpec, row: Row, count) -> None:
        count.errors += 1
        for col, value, message in row.errors:
            self.report.error(spec.name, row.number, col.header if col else "", value, message)

    def _field_error(self, spec: SheetSpec, mapping: dict[int, Column], row: Row, field_name: str, message: str):
        col = spec.column_for_field(field_name)
        index = next((i for i, c in mapping.items() if c is col), None)
        row.errors.append((col, row.values.get(index) if index else None, message))

    def _check_unique(self, spec: SheetSpec, mapping: dict[int, Column], row: Row, obj) -> None:
        """Réf. (and the sheet's other unique keys: SIRET) unique across the registry and the workbook, checked
        in memory."""
        index = self._own_index(spec)
        checks = [(index.key_attr, spec.ref_index.taken), *spec.ref_index.also_by]
        failed = {f for c, _v, _m in row.errors if c is not None for f in c.error_fields}
        for attr, message in checks:
            value, table = getattr(obj, attr), getattr(index, f"by_{attr}" if attr != index.key_attr else "by_key")
            other = table.get(value) if value and attr not in failed else None
            if other is None or index.obj(other) is obj:
                continue
            message = message.format(value=value, the=index.the, other=index.obj(other))
            self._field_error(spec, mapping, row, attr, message)

    def _identity(self, spec: SheetSpec, row: Row):
        """What makes two rows of a sheet the same record."""
        if row.target is not None:
            return ("record", id(row.target))
        if spec.ref_index is None:
            key = self._natural_key(spec, row)
            return None if key is None else tuple(id(k) if hasattr(k, "_sa_instance_state") else k for k in key)
        p = {c.attr: v for c, v in row.parsed.items()}
        for attr in (self._own_index(spec).key_attr, *(a for a, _m in spec.ref_index.also_by)):
            if p.get(attr):
                return (attr, p[attr])
        return None

    def _give_reference(self, spec: SheetSpec, obj) -> None:
        """A new record without Réf. gets one now (the sheet's rule), unique across the registry and the workbook."""
        if spec.ref_index is not None:
            spec.ref_index.new_reference(obj, self._own_index(spec), self._ref_counters)

    def _warn_duplicate(self, spec: SheetSpec, row: Row, obj) -> None:
        found = spec.duplicate_warning(obj, self._own_index(spec)) if spec.duplicate_warning else None
        if found is not None:
            header, value, message = found
            self.report.warning(spec.name, row.number, header, value, message)


#: Distinct values of a column whose parsing is remembered; a column with more (names, e-mails, descriptions)
#: stops being remembered, so the memory stays bounded.
MEMO_LIMIT = 512
_MEMO_TYPES = frozenset({str, int, float, bool, datetime, date, type(None)})


def _parsed(col: Column, value, refdata, memos: dict) -> tuple[bool, object]:
    """(True, the parsed cell) or (False, the error message). Parsing is a pure function of the cell and the
    reference data, and many columns repeat a few values (legal form, quartier, axes, status, postcode, commune,
    year…): each distinct value of such a column is parsed once per sheet."""
    memo = memos[col]
    key = (type(value), value) if memo is not None and type(value) in _MEMO_TYPES else None
    if key is not None and key in memo:
        return memo[key]
    try:
        outcome = (True, parse_cell(col.kind, value, refdata))
    except ValidationError as exc:
        outcome = (False, exc.message)
    if key is not None:
        if len(memo) < MEMO_LIMIT:
            memo[key] = outcome
        else:
            memos[col] = None
    return outcome


def _set_new(spec: SheetSpec, obj, values: dict) -> None:
    """Give a new record its values. What needs no change tracking (a new record is inserted in bulk from its
    attribute values, ``bulk.insert_new``) is written as loaded values, which costs a tenth; links with a
    back-reference to keep in step, and columns with a setter, go through SQLAlchemy."""
    state = so.attributes.instance_dict(obj)
    direct = spec.direct_columns
    for col, value in values.items():
        if col not in direct:
            col.set(obj, value)
        elif direct[col]:
            so.attributes.set_committed_value(obj, col.attr, col.stored(value))
        else:
            state[col.attr] = col.stored(value)


__all__ = ["Planned", "Planner"]

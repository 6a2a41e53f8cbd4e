"""The import report: what the preview shows, what the CLI prints, what the import history keeps."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

NEW = "new"
CHANGED = "changed"


@dataclass
class Problem:
    """An error (blocks the import) or a warning, located as Excel shows it."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def where(self) -> str:
        parts = [f"« {self.sheet} »" if self.sheet else "Classeur"]
        if self.row:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)


@dataclass
class Change:
    """A row that creates or changes a record, with its field-by-field changes (header, before, after)."""

    sheet: str
    row: int
    action: str
    label: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Duplicate:
    """A « doublon possible »: a row that may be an existing record (``ref``, ``candidate``) or a new one; the
    officer chooses (``choice``: "update", "new", or "" while undecided — the row is then an error)."""

    sheet: str
    row: int
    label: str
    ref: str
    candidate: str
    reason: str
    choice: str = ""

    @property
    def key(self) -> str:
        return f"{self.sheet}!{self.row}"


@dataclass
class SheetCount:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0

    @property
    def rows(self) -> int:
        return self.new + self.changed + self.unchanged + self.errors


@dataclass
class ImportReport:
    """Per sheet: rows new / changed / unchanged / in error; the changes; the errors and warnings."""

    filename: str
    file_hash: str = ""
    counts: dict[str, SheetCount] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: Rows that may be an existing record or a new one, with the officer's choice (``workbook.duplicates``).
    duplicates: list[Duplicate] = field(default_factory=list)
    applied: bool = False
    batch_id: int | None = None
    #: What the file was read as, in French (« CSV, séparateur point-virgule, encodage Windows-1252 »).
    detected: str = ""

    @property
    def ok(self) -> bool:
        """No error: the import may be applied."""
        return not self.errors

    @property
    def undecided(self) -> list[Duplicate]:
        """The possible duplicates still waiting for the officer's choice."""
        return [d for d in self.duplicates if not d.choice]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def count(self, sheet: str) -> SheetCount:
        return self.counts.setdefault(sheet, SheetCount())

    def error(self, sheet: str, row: int | None, column: str, value, message: str) -> None:
        self.errors.append(Problem(sheet, row, column, _shown(value), message))

    def warning(self, sheet: str, row: int | None, column: str, value, message: str) -> None:
        self.warnings.append(Problem(sheet, row, column, _shown(value), message))

    def totals(self) -> SheetCount:
        total = SheetCount()
        for c in self.counts.values():
            total.new += c.new
            total.changed += c.changed
            total.unchanged += c.unchanged
            total.errors += c.errors
        return total

    @property
    def summary(self) -> str:
        """One line in French, e.g. '44 nouvelles fiches, 2 modifiées, 0 inchangée ; 0 erreur'."""
        t = self.totals()
        text = (
            f"{t.new} nouvelle(s) fiche(s), {t.changed} modifiée(s), {t.unchanged} inchangée(s) ; "
            f"{len(self.errors)} erreur(s), {len(self.warnings)} avertissement(s)"
        )
        if self.applied:
            text += " — import appliqué."
        elif self.errors:
            text += " — rien n'a été importé."
        return text

    def counts_dict(self) -> dict[str, dict[str, int]]:
        return {sheet: asdict(c) for sheet, c in self.counts.items()}

    def fingerprint(self) -> str:
        """A hash of the planned changes: the preview and the confirmation must plan the same thing."""
        # The changes as plain lists, in order: the same information as their dicts, hashed in a tenth of the time.
        payload = json.dumps([[c.sheet, c.row, c.action, c.label, c.fields] for c in self.changes], default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_dict(self) -> dict:
        return {
            "filename": self.filename,
            "file_hash": self.file_hash,
            "counts": self.counts_dict(),
            # Shallow copies: ``asdict`` copies deeply, ten times slower for the same JSON (10,000 changes).
            "changes": [{**vars(c), "fields": list(c.fields)} for c in self.changes],
            "errors": [dict(vars(p)) for p in self.errors],
            "warnings": [dict(vars(p)) for p in self.warnings],
            "duplicates": [dict(vars(d)) for d in self.duplicates],
            "applied": self.applied,
            "batch_id": self.batch_id,
            "detected": self.detected,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        return cls(
            filename=data["filename"],
            file_hash=data["file_hash"],
            counts={k: SheetCount(**v) for k, v in data["counts"].items()},
            changes=[Change(**{**c, "fields": [tuple(f) for f in c["fields"]]}) for c in data["changes"]],
            errors=[Problem(**p) for p in data["errors"]],
            warnings=[Problem(**p) for p in data["warnings"]],
            duplicates=[Duplicate(**d) for d in data.get("duplicates", [])],
            applied=data.get("applied", False),
            batch_id=data.get("batch_id"),
            detected=data.get("detected", ""),
        )

    def to_text(self, max_items: int | None = 200) -> str:
        """The report as the command line prints it."""
        lines = [f"Classeur : {self.filename}" + (f" ({self.detected})" if self.detected else "")]
        for sheet, c in self.counts.items():
            lines.append(
                f"  {sheet:<20} {c.new:>6} nouvelle(s)  {c.changed:>6} modifiée(s)  "
                f"{c.unchanged:>6} inchangée(s)  {c.errors:>6} en erreur"
            )
        sections = (("Erreurs", self.errors), ("Avertissements", self.warnings))
        for title, problems in sections:
            if problems:
                lines.append(f"\n{title} ({len(problems)}) :")
                for p in problems[:max_items]:
                    value = f" [{p.value}]" if p.value else ""
                    lines.append(f"  {p.where()}{value} : {p.message}")
                if max_items is not None and len(problems) > max_items:
                    lines.append(f"  … et {len(problems) - max_items} autre(s).")
        if self.changes:
            lines.append(f"\nModifications ({len(self.changes)}) :")
            for change in self.changes[:max_items]:
                verb = "création" if change.action == NEW else "modification"
                lines.append(f"  « {change.sheet} », ligne {change.row} — {verb} : {change.label}")
                if change.action == CHANGED:
                    for header, before, after in change.fields:
                        lines.append(f"      {header} : « {before} » → « {after} »")
            if max_items is not None and len(self.changes) > max_items:
                lines.append(f"  … et {len(self.changes) - max_items} autre(s).")
        lines.append("\n" + self.summary)
        return "\n".join(lines)


def _shown(value) -> str:
    if value is None:
        return ""
    from registry.workbook.cells import display

    text = display(value)
    return text if len(text) <= 200 else text[:199] + "…"

"""The header row of a sheet: which column holds what, and the layout problems found around it."""

from __future__ import annotations

from registry.workbook.reader import RawSheet
from registry.workbook.report import ImportReport
from registry.workbook.spec import Column, SheetSpec, header_key

#: How far down a misplaced header row is looked for (to say where it is).
HEADER_SEARCH_ROWS = 15


def _map(spec: SheetSpec, values: dict) -> tuple[dict[int, Column], list, list]:
    mapping, unknown, duplicates = {}, [], []
    for index, value in sorted(values.items()):
        col = spec.by_key.get(header_key(str(value))) if isinstance(value, str) else None
        if col is None:
            unknown.append(value)
        elif col in mapping.values():
            duplicates.append(col.header)
        else:
            mapping[index] = col
    return mapping, unknown, duplicates


def sheet_for_headers(specs, values: dict, filename: str = "") -> SheetSpec:
    """The sheet a single-sheet file (CSV) holds, chosen by its header row: the sheet whose required columns
    are all there and that knows the most of its headers; the file's name settles a tie. Raises
    WorkbookRejected naming the candidates when it stays ambiguous, or when no sheet fits."""
    from registry.workbook.reader import WorkbookRejected

    scores = {}
    for spec in specs:
        mapping = _map(spec, values)[0]
        if mapping and all(c in mapping.values() for c in spec.columns if c.required):
            scores[spec] = len(mapping)
    best = [s for s, score in scores.items() if score == max(scores.values(), default=0)]
    if len(best) > 1:
        named = [s for s in best if header_key(s.name) in header_key(filename)]
        best = named if len(named) == 1 else best
    if len(best) == 1:
        return best[0]
    if best:
        names = " ou ".join(f"« {s.name} »" for s in best)
        raise WorkbookRejected(
            f"Ligne 1 du CSV : ces en-têtes conviennent à plusieurs feuilles ({names}). Nommez le fichier "
            "comme la feuille voulue (par exemple « Contacts.csv »), puis importez-le à nouveau."
        )
    raise WorkbookRejected(
        "Ligne 1 du CSV : ses en-têtes ne sont ceux d'aucune feuille du registre (il manque des colonnes "
        "obligatoires). La ligne 1 doit porter les en-têtes du modèle (téléchargez le modèle vide)."
    )


def sheet_headers(spec: SheetSpec, raw: RawSheet, report: ImportReport) -> dict[int, Column] | None:
    """The columns of the sheet by column number; None (with an error) when row 1 is not a header."""
    first_number, first = raw.rows[0]
    mapping, unknown, duplicates = _map(spec, first)
    required = [c for c in spec.columns if c.required]
    missing = [c.header for c in required if c not in mapping.values()]
    if first_number != 1 or missing:
        for number, values in raw.rows[:HEADER_SEARCH_ROWS]:
            found = _map(spec, values)[0].values()
            if number != 1 and all(c in found for c in required):
                report.error(
                    spec.name,
                    number,
                    "",
                    "",
                    f"Les en-têtes doivent être sur la ligne 1 ; ils sont sur la ligne {number}. "
                    "Supprimez les lignes au-dessus des en-têtes, puis importez à nouveau.",
                )
                return None
        report.error(
            spec.name,
            1,
            ", ".join(missing),
            "",
            "Colonne(s) obligatoire(s) absente(s) de la ligne 1 : " + ", ".join(missing) + ". "
            "La ligne 1 doit porter les en-têtes du modèle (téléchargez le modèle vide).",
        )
        return None
    for header in duplicates:
        report.error(spec.name, 1, header, "", "Colonne en double : gardez-en une seule.")
    for value in unknown:
        report.warning(spec.name, 1, str(value), "", "Colonne inconnue : elle est ignorée.")
    return mapping


def report_merged_cells(spec: SheetSpec, raw: RawSheet, report: ImportReport) -> None:
    """Merged cells are an error: each cell must carry its own value."""
    for ref in raw.merged:
        report.error(
            spec.name,
            _first_row(ref),
            "",
            ref,
            "Cellules fusionnées : défusionnez-les "
            "(chaque cellule doit porter sa propre valeur), puis importez à nouveau.",
        )


def _first_row(ref: str) -> int | None:
    digits = "".join(ch for ch in ref.split(":")[0] if ch.isdigit())
    return int(digits) if digits else None

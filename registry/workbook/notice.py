"""The Notice sheet: how to fill the workbook, written from the column specs (so it never drifts)."""

from __future__ import annotations

from registry.workbook.columns import SheetSpec

KIND_HELP = {
    "date": "Date (cellule date, ou jj/mm/aaaa, ou aaaa-mm-jj).",
    "money": "Montant en euros (nombre, ou « 1 234,56 € »).",
    "rate": "Nombre (pourcentage).",
    "int": "Nombre entier.",
    "float": "Nombre décimal.",
    "bool": "Oui / Non (aussi O/N, Vrai/Faux, 1/0, x/vide).",
    "enum": "Une valeur de la feuille « Listes » (majuscules et accents indifférents).",
    "enum_list": "Valeurs de la feuille « Listes », séparées par « ; ».",
    "reference": "Une valeur de la feuille « Listes » (code ou libellé, majuscules et accents indifférents).",
    "reference_many": "Valeurs de la feuille « Listes », séparées par « ; ».",
    "record": "Réf., SIRET (acteurs) ou nom exact d'une fiche, existante ou créée par ce classeur.",
    "record_many": "Plusieurs fiches (Réf., SIRET ou nom exact), séparées par « ; ».",
}

GENERAL = [
    (
        "Première ligne",
        "La ligne 1 de chaque feuille porte les en-têtes ; les colonnes peuvent être dans n'importe "
        "quel ordre et une colonne facultative peut manquer. « * » marque une colonne obligatoire.",
    ),
    (
        "Colonne absente",
        "Une colonne absente laisse le champ inchangé. Une cellule vide efface le champ "
        "(l'aperçu le montre), sauf Réf., Statut et Nature : vides, ils restent inchangés.",
    ),
    (
        "Aperçu d'abord",
        "L'import montre d'abord, sans rien écrire, les fiches nouvelles, modifiées, inchangées et "
        "les erreurs (feuille, ligne, colonne, valeur, message). Il s'applique en entier ou pas du tout.",
    ),
    ("Rien n'est supprimé", "Une fiche absente du classeur n'est jamais supprimée."),
    ("Réimport", "Importer deux fois le même classeur ne change rien la seconde fois."),
    ("Interdit", "Cellules fusionnées, lignes masquées, formules sans valeur calculée, macros, mot de passe."),
    (
        "Feuilles ignorées",
        "Les feuilles « Notice » et « Listes » ne sont pas importées ; une autre feuille "
        "inconnue est signalée et ignorée.",
    ),
]


def notice_rows(specs: list[SheetSpec], title: str) -> list[tuple]:
    """The rows of the Notice sheet: a title, the general rules, then each sheet's columns."""
    rows: list[tuple] = [(title,), ("Comment remplir ce classeur",)]
    rows += [(label, "", text) for label, text in GENERAL]
    for spec in specs:
        rows.append(("",))
        rows.append((f"Feuille « {spec.name} »",))
        rows.append(("Correspondance", "", spec.matching))
        if spec.personal:
            rows.append(("Données personnelles", "", "Réservée aux agents ; absente des exports des analystes."))
        rows.append(("Colonne", "Obligatoire", "Contenu"))
        for col in spec.columns:
            help_text = " ".join(t for t in (col.note, KIND_HELP.get(col.kind.name, ""), col.kind.accepted) if t)
            rows.append((col.header, "oui" if col.required else "", help_text))
    return rows

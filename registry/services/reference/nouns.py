"""The French noun of each kind of record, with its gender and plural, and the sentences that agree with it:
« Acteur « X » créé. », « Initiative « Z » créée. », « Supprimer cet acteur ? », « 3 initiatives supprimées. »."""

from __future__ import annotations

from dataclasses import dataclass

#: Letters a French noun may start with that take « cet » (masculine) and lose « le » (« l'acteur »).
VOWELS = tuple("aeiouyhàâéèêëîïôùûœ")


def agree(participle: str, count: int, *, feminine: bool = False) -> str:
    """« supprimé », « supprimées »… for ``count`` things of that gender (never « supprimé(e)s »)."""
    return participle + ("e" if feminine else "") + ("s" if count > 1 else "")


def number(count: int, singular: str, plural: str | None = None) -> str:
    """« 1 compte », « 3 comptes », « 0 champ » (French: zero and one take the singular)."""
    return f"{count} {singular if count <= 1 else (plural or singular + 's')}"


@dataclass(frozen=True)
class Noun:
    """A French noun: « acteur » (masculine), « initiative » (feminine, ``feminine=True``)."""

    singular: str
    plural: str
    feminine: bool = False

    def _agree(self, participle: str, *, plural: bool = False) -> str:
        return agree(participle, 2 if plural else 1, feminine=self.feminine)

    @property
    def this(self) -> str:
        """« cet acteur », « ce partenariat », « cette initiative »."""
        if self.feminine:
            return f"cette {self.singular}"
        return f"{'cet' if self.singular.startswith(VOWELS) else 'ce'} {self.singular}"

    def named(self, name) -> str:
        """« Acteur « Régie de quartier » »."""
        return f"{self.singular[:1].upper()}{self.singular[1:]} « {name} »"

    def created(self, name) -> str:
        return f"{self.named(name)} {self._agree('créé')}."

    def saved(self, name) -> str:
        return f"{self.named(name)} {self._agree('enregistré')}."

    def deleted(self, name) -> str:
        return f"{self.named(name)} {self._agree('supprimé')}."

    def deleted_count(self, count: int) -> str:
        """« 1 acteur supprimé. », « 3 initiatives supprimées. »."""
        return self.counted(count, "supprimé")

    def counted(self, count: int, participle: str) -> str:
        """« 1 acteur archivé. », « 3 initiatives archivées. » (``participle`` in the masculine singular)."""
        return f"{number(count, self.singular, self.plural)} {agree(participle, count, feminine=self.feminine)}."

    def archive_one(self) -> str:
        """The question before archiving one record (its details page)."""
        return f"Archiver {self.this} ? {self._pronoun()} quittera le site public et les listes."

    def archive_selected(self) -> str:
        """The question before archiving the selected records of a list."""
        chosen = self._agree("sélectionné", plural=True)
        they = self._pronoun(plural=True)
        return f"Archiver les {self.plural} {chosen} ? {they} quitteront le site public et les listes."

    def _pronoun(self, *, plural: bool = False) -> str:
        return ("Elle" if self.feminine else "Il") + ("s" if plural else "")

    def delete_one(self) -> str:
        """The question before deleting one record."""
        return f"Supprimer {self.this} ? Cette action est définitive."

    def delete_selected(self) -> str:
        """The question before deleting the selected records of a list."""
        chosen = self._agree("sélectionné", plural=True)
        return f"Supprimer les {self.plural} {chosen} ? Cette action est définitive."


#: Every kind of record the back office lists, by model name.
NOUNS: dict[str, Noun] = {
    "Actor": Noun("acteur", "acteurs"),
    "Contact": Noun("contact", "contacts"),
    "Initiative": Noun("initiative", "initiatives", feminine=True),
    "Partnership": Noun("partenariat", "partenariats"),
    "LoanProgramme": Noun("programme de prêt", "programmes de prêt"),
    "LoanReport": Noun("bilan de prêts", "bilans de prêts"),
    "Axis": Noun("axe", "axes"),
    "Quartier": Noun("quartier", "quartiers"),
    "Sector": Noun("secteur", "secteurs"),
    "LegalForm": Noun("forme juridique", "formes juridiques", feminine=True),
    "User": Noun("compte", "comptes"),
    "AccountRequest": Noun("demande d'accès", "demandes d'accès", feminine=True),
    "AuditEvent": Noun("modification", "modifications", feminine=True),
    "ImportBatch": Noun("import", "imports"),
    "CitizenReport": Noun("signalement", "signalements"),
}
#: The noun of a record type nobody named here (never shown for the registry's own models: a test checks it).
RECORD = Noun("fiche", "fiches", feminine=True)


def noun_of(model_name: str) -> Noun:
    """The French noun of a model (« fiche » for an unknown one)."""
    return NOUNS.get(model_name, RECORD)

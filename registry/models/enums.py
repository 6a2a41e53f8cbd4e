"""Enumerations of the domain, each value with its French label.

Values are stored in the database (lower-case codes); labels are what users read and type.
"""

from __future__ import annotations

import enum


class LabelledEnum(str, enum.Enum):  # noqa: UP042 - members carry a label too
    """A string enum whose members carry a French label as second tuple item."""

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for select fields."""
        return [(m.value, m.label) for m in cls]


class Role(LabelledEnum):
    ADMIN = "admin", "Administrateur"
    OFFICER = "officer", "Agent de la Ville"
    ANALYST = "analyst", "Analyste"
    PARTNER = "partner", "Partenaire"


class LegalFamily(LabelledEnum):
    ASSOCIATION = "association", "Association"
    COOPERATIVE = "cooperative", "Coopérative"
    MUTUELLE = "mutuelle", "Mutuelle"
    FONDATION = "fondation", "Fondation"
    SOCIETE_ESS = "societe_ess", "Société commerciale de l'ESS"


class ActorStatus(LabelledEnum):
    ACTIVE = "active", "Actif"
    INACTIVE = "inactive", "Inactif"
    ARCHIVED = "archived", "Archivé"


class SiaeType(LabelledEnum):
    EI = "EI", "EI — entreprise d'insertion"
    AI = "AI", "AI — association intermédiaire"
    ACI = "ACI", "ACI — atelier et chantier d'insertion"
    ETTI = "ETTI", "ETTI — entreprise de travail temporaire d'insertion"
    EITI = "EITI", "EITI — entreprise d'insertion par le travail indépendant"
    GEIQ = "GEIQ", "GEIQ — groupement d'employeurs pour l'insertion et la qualification"
    EA = "EA", "EA — entreprise adaptée"
    ESAT = "ESAT", "ESAT — établissement et service d'accompagnement par le travail"


class InitiativeStatus(LabelledEnum):
    PLANNED = "planned", "Prévue"
    ONGOING = "ongoing", "En cours"
    COMPLETED = "completed", "Terminée"
    ABANDONED = "abandoned", "Abandonnée"


class LoanPurpose(LabelledEnum):
    MOBILITY = "mobility", "Mobilité"
    TRAINING = "training", "Formation"
    BUSINESS_CREATION = "business_creation", "Création d'entreprise"


class ProgrammeStatus(LabelledEnum):
    PLANNED = "planned", "Prévu"
    OPEN = "open", "Ouvert"
    CLOSED = "closed", "Clos"


class PartnershipKind(LabelledEnum):
    OPERATING_SUBSIDY = "operating_subsidy", "Subvention de fonctionnement"
    PROJECT_SUBSIDY = "project_subsidy", "Subvention de projet"
    OBJECTIVES_CONVENTION = "objectives_convention", "Convention pluriannuelle d'objectifs"
    PREMISES = "premises", "Mise à disposition de locaux"
    RESERVED_CONTRACT = "reserved_contract", "Marché réservé ou clause sociale"
    LOAN_PROGRAMME = "loan_programme", "Programme de prêt"
    OTHER = "other", "Autre"


class PartnershipNature(LabelledEnum):
    CASH = "cash", "Numéraire"
    IN_KIND = "in_kind", "En nature"
    MIXED = "mixed", "Numéraire et nature"


class PaymentTerms(LabelledEnum):
    SINGLE = "single", "Unique"
    INSTALMENTS = "instalments", "Échelonné"
    OTHER = "other", "Autre"


class PartnershipStatus(LabelledEnum):
    DRAFT = "draft", "Brouillon"
    SIGNED = "signed", "Signé"
    ACTIVE = "active", "En cours"
    ENDED = "ended", "Terminé"
    CANCELLED = "cancelled", "Annulé"


class RequestedRole(LabelledEnum):
    PARTNER = "partner", "Partenaire (une organisation de l'ESS)"
    STAFF = "staff", "Agent de la Ville"


class RequestStatus(LabelledEnum):
    PENDING = "pending", "En attente"
    APPROVED = "approved", "Acceptée"
    REJECTED = "rejected", "Refusée"


class ImportStatus(LabelledEnum):
    PREVIEWED = "previewed", "Prévisualisé"
    APPLIED = "applied", "Appliqué"
    FAILED = "failed", "À corriger"  # refused with errors to fix (« Échoué » sounded like a crash)
    DISCARDED = "discarded", "Abandonné"


class AuditAction(LabelledEnum):
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    ARCHIVE = "archive", "Archivage"
    IMPORT = "import", "Import"
    EXPORT = "export", "Export"
    REVERT = "revert", "Annulation d'une modification"
    ERASE = "erase", "Effacement de données personnelles"
    LOGIN = "login", "Connexion"
    ACCOUNT = "account", "Gestion de compte"
    MERGE = "merge", "Fusion de deux fiches"

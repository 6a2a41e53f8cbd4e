"""French names of every field the back office shows: one place for lists, forms, audit and conflicts."""

from __future__ import annotations

COMMON = {
    "id": "N°",
    "created_at": "Créé le",
    "updated_at": "Modifié le",
    "version": "Version",
    "slug": "Référence",
    "ref": "Référence",
    "name": "Nom",
    "status": "Statut",
    "published": "Publié",
    "archived_at": "Archivé le",
    "axes": "Axes",
    "sectors": "Secteurs",
    "quartier": "Quartier",
    "quartiers": "Quartiers",
    "description": "Description",
    "start_date": "Début",
    "end_date": "Fin",
    "email": "Courriel",
    "phone": "Téléphone",
    "code": "Code",
    "label": "Libellé",
}

FIELDS: dict[str, dict[str, str]] = {
    "Actor": {
        "name": "Nom",
        "legal_form": "Forme juridique",
        "legal_form.family": "Famille juridique",
        "siret": "SIRET",
        "rna": "N° RNA",
        "ape_code": "Code APE",
        "esus_date": "Agrément ESUS",
        "siae_type": "Type de SIAE",
        "website": "Site web",
        "address": "Adresse",
        "postcode": "Code postal",
        "commune": "Commune",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "employees": "Salariés",
        "volunteers": "Bénévoles",
        "founding_year": "Année de création",
        "contacts": "Contacts",
        "partner_changes": "À relire",
    },
    "Contact": {
        "full_name": "Nom complet",
        "role": "Fonction",
        "public": "Visible du public",
        "consent_at": "Accord le",
    },
    "Initiative": {
        "title": "Titre",
        "summary": "Résumé",
        "lead_actor": "Porteur",
        "partners": "Partenaires",
        "city_wide": "Toute la ville",
        "budget": "Budget",
        "city_funding": "Financement de la Ville",
        "jobs_created": "Emplois créés",
        "people_trained": "Personnes formées",
        "people_reached": "Personnes touchées",
    },
    "InitiativePartner": {"actor": "Acteur partenaire", "role": "Rôle"},
    "LoanProgramme": {
        "lender": "Prêteur",
        "purposes": "Objets",
        "target_public": "Public visé",
        "min_amount": "Montant minimum",
        "max_amount": "Montant maximum",
        "max_duration_months": "Durée maximale (mois)",
        "nominal_rate": "Taux nominal",
        "borrower_rate": "Taux emprunteur",
        "yearly_envelope": "Enveloppe annuelle",
        "eligibility": "Conditions d'éligibilité",
        "how_to_apply": "Comment candidater",
        "reports": "Bilans",
    },
    "LoanReport": {
        "programme": "Programme",
        "period_start": "Début de période",
        "period_end": "Fin de période",
        "purpose": "Objet",
        "loans_granted": "Prêts accordés",
        "amount_granted": "Montant accordé",
        "amount_repaid": "Montant remboursé",
        "defaults": "Défauts",
    },
    "Partnership": {
        "actor": "Acteur",
        "kind": "Type",
        "object": "Objet",
        "initiative": "Initiative",
        "loan_programme": "Programme de prêt",
        "decision_reference": "Référence de la décision",
        "decision_date": "Date de décision",
        "convention_date": "Date de convention",
        "amount": "Montant",
        "nature": "Nature",
        "payment_terms": "Versement",
        "officer_name": "Agent référent",
        "notes": "Notes",
        "eu_notification": "Notifiée à la Commission européenne",
        "subsidy_share": "Part subventionnée",
    },
    "Axis": {"position": "Ordre"},
    "Quartier": {"commune": "Commune", "aliases": "Autres noms (séparés par ;)"},
    "Sector": {"strategic": "Stratégique", "naf_codes": "Codes NAF (séparés par ;)"},
    "LegalForm": {"family": "Famille", "insee_code": "Code INSEE"},
    "AuditEvent": {
        "created_at": "Date",
        "user_label": "Par",
        "source": "Origine",
        "action": "Action",
        "entity_type": "Type de fiche",
        "entity_id": "N° de fiche",
        "entity_label": "Fiche",
        "actor": "Acteur concerné",
        "changes": "Changements",
        "personal": "Données personnelles",
        "batch": "Import",
        "reviewed_at": "Relu le",
        "reviewed_by": "Relu par",
    },
    "ImportBatch": {
        "created_at": "Date",
        "finished_at": "Terminé le",
        "user_label": "Par",
        "filename": "Fichier",
        "file_hash": "Empreinte",
        "counts": "Décomptes",
        "error_count": "Erreurs",
        "warning_count": "Avertissements",
        "message": "Message",
    },
}

#: French names of the audited record types.
ENTITY_NAMES = {
    "Actor": "Acteur",
    "Contact": "Contact",
    "Initiative": "Initiative",
    "LoanProgramme": "Programme de prêt",
    "LoanReport": "Bilan de prêts",
    "Partnership": "Partenariat",
    "Axis": "Axe",
    "Quartier": "Quartier",
    "Sector": "Secteur",
    "LegalForm": "Forme juridique",
    "User": "Utilisateur",
    "AccountRequest": "Demande de compte",
    "ImportBatch": "Import",
}

#: Where audit events come from.
SOURCES = {
    "admin": "Back-office",
    "partner": "Espace partenaire",
    "import": "Import de classeur",
    "cli": "Ligne de commande",
    "public": "Site public",
    "system": "Système",
}


def field_labels(model_name: str) -> dict[str, str]:
    """Every French field name of a model (its own names over the common ones)."""
    return {**COMMON, **FIELDS.get(model_name, {})}


def field_label(model_name: str, field: str) -> str:
    """The French name of one field (the field name itself when unknown)."""
    return field_labels(model_name).get(field, field.replace("_", " ").capitalize())

"""The domain model. Importing this package registers every table on ``db.metadata``."""

from registry.models.accounts import AccountRequest, User
from registry.models.actors import Actor, ActorSlugRedirect, Contact, actor_axes, actor_sectors
from registry.models.audit import AuditEvent, ImportBatch
from registry.models.changes import ChangeLog, ChangeLogState
from registry.models.checks import ReferenceCheck
from registry.models.digest import DigestDelivery, DigestSubscription
from registry.models.enums import (
    ActorStatus,
    AuditAction,
    ImportStatus,
    InitiativeStatus,
    LegalFamily,
    LoanPurpose,
    PartnershipKind,
    PartnershipNature,
    PartnershipStatus,
    PaymentTerms,
    ProgrammeStatus,
    RequestedRole,
    RequestStatus,
    Role,
    SiaeType,
)
from registry.models.initiatives import (
    Initiative,
    InitiativePartner,
    initiative_axes,
    initiative_quartiers,
    initiative_sectors,
)
from registry.models.loans import LoanProgramme, LoanReport, programme_axes
from registry.models.partnerships import Partnership
from registry.models.reference import Axis, LegalForm, Quartier, Sector
from registry.models.reports import CitizenReport

__all__ = [
    "AccountRequest",
    "Actor",
    "ActorSlugRedirect",
    "ActorStatus",
    "AuditAction",
    "AuditEvent",
    "Axis",
    "ChangeLog",
    "ChangeLogState",
    "CitizenReport",
    "Contact",
    "DigestDelivery",
    "DigestSubscription",
    "ImportBatch",
    "ImportStatus",
    "Initiative",
    "InitiativePartner",
    "InitiativeStatus",
    "LegalFamily",
    "LegalForm",
    "LoanProgramme",
    "LoanPurpose",
    "LoanReport",
    "Partnership",
    "PartnershipKind",
    "PartnershipNature",
    "PartnershipStatus",
    "PaymentTerms",
    "ProgrammeStatus",
    "Quartier",
    "ReferenceCheck",
    "RequestStatus",
    "RequestedRole",
    "Role",
    "Sector",
    "SiaeType",
    "User",
    "actor_axes",
    "actor_sectors",
    "initiative_axes",
    "initiative_quartiers",
    "initiative_sectors",
    "programme_axes",
]

"""The clinic's JHCIS database: the only code that writes JHCIS tables.

Start with :class:`ClinicDatabase` (``ClinicDatabase.from_settings(settings)``); see
``integrations/jhcis/README.md`` for the design, the GRANTs and ``backoffice doctor``.
"""

from integrations.jhcis.clinic import ClinicDatabase
from integrations.jhcis.errors import (
    ClaimCodeConflict,
    ClaimColumnsMissing,
    IdempotencyKeyReused,
    JhcisError,
    JhcisUnavailable,
    NumberingBusy,
    OutOfAreaHouseMissing,
    PendingAuthenNotFound,
    UnitCodeMissing,
    VisitNotFound,
)
from integrations.jhcis.records import PendingAuthen, Person, Visit, VisitClaim, WalkinIdentity

__all__ = [
    "ClaimCodeConflict",
    "ClaimColumnsMissing",
    "ClinicDatabase",
    "IdempotencyKeyReused",
    "JhcisError",
    "JhcisUnavailable",
    "NumberingBusy",
    "OutOfAreaHouseMissing",
    "PendingAuthen",
    "PendingAuthenNotFound",
    "Person",
    "UnitCodeMissing",
    "Visit",
    "VisitClaim",
    "VisitNotFound",
    "WalkinIdentity",
]

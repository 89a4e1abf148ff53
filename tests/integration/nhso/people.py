"""Citizen IDs of the sandbox seed (integrations/nhso/sandbox/seed.json); all invented."""

DEMO = "1909900123450"  # UCS, the virtual card's demo profile
UCS_WITH_HISTORY = "1100000000016"  # today's code at another hospital, one 3 days ago here
SSS = "3100000000039"
OFC = "3100000000047"
LGO = "3100000000055"
DECEASED = "3100000000080"
NO_CLAIM_TYPES = "1100000000067"
UNKNOWN = "1100000000075"  # not seeded: plain UCS rights
BAD_CHECKSUM = "1909900123451"
MOBILE = "0812345678"
GENERAL = "PG0060001"

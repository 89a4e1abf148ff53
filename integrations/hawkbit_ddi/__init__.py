"""A client of Eclipse hawkBit's Direct Device Integration (DDI) API.

The device side of a hawkBit-compatible update server (Eclipse hawkBit, gooseBit): poll
for an action, send the device's attributes, fetch a deployment, download its artifact
with its hash checked, and send feedback. Nothing here knows RAUC or the kiosk; the
agent that installs (``kiosk/updates``) stands on it.
"""

from integrations.hawkbit_ddi.client import DdiClient
from integrations.hawkbit_ddi.errors import (
    DdiActionClosed,
    DdiAuthError,
    DdiError,
    DdiHashMismatch,
    DdiNoSpace,
)
from integrations.hawkbit_ddi.models import Artifact, Chunk, Deployment, Execution, Finished, Poll

__all__ = [
    "Artifact",
    "Chunk",
    "DdiActionClosed",
    "DdiAuthError",
    "DdiClient",
    "DdiError",
    "DdiHashMismatch",
    "DdiNoSpace",
    "Deployment",
    "Execution",
    "Finished",
    "Poll",
]

"""One small adapter per kiosk port, over the rooms' real modules.

``card`` (hardware.card over PC/SC), ``clinic`` (integrations.jhcis), ``nhso``
(integrations.nhso providers), ``printer`` (hardware.printer). :func:`build_services` is
what ``kiosk run`` calls: it starts the simulators the configuration asks for
(:mod:`kiosk.wiring`) and stops them when the process exits.
"""

from __future__ import annotations

import atexit

from common.config import Settings
from kiosk.services import KioskServices


def build_services(settings: Settings) -> KioskServices:
    from kiosk.wiring import start_runtime

    runtime = start_runtime(settings)
    atexit.register(runtime.close)
    return runtime.services

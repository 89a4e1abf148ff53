"""One small adapter per kiosk port, over the rooms' real modules.

``card`` (hardware.card over PC/SC), ``clinic`` (integrations.jhcis), ``nhso``
(integrations.nhso providers), ``printer`` (hardware.printer). :mod:`kiosk.wiring` puts
them together for ``kiosk run``.
"""

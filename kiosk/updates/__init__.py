"""The kiosk's update agent: polls the district's update server (hawkBit DDI), installs a
bundle through RAUC, reboots in a quiet moment and reports the outcome
(image-build/README.md, section 10 "District IT"; ``jhcis-kiosk-updates.service``)."""

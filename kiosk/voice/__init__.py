"""The kiosk speaks: Thai (and English) voice prompts and tones at the steps of a check-in.

Prompts are rendered to WAV files ahead of time (``kiosk voice render``; the appliance
image does it at build time with Debian's espeak-ng), a clinic may replace any of them
with its own recording, and :class:`~kiosk.voice.announcer.Announcer` plays them as one
more observer of the controller's states, on its own thread. See kiosk/README.md, "Voice".
"""

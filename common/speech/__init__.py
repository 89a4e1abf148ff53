"""Speech both applications use: espeak-ng rendering at build time, WAV handling, Thai numbers.

The kiosk's prompts (kiosk/voice) and the waiting-room announcements (backoffice/calling)
stand on this; neither imports the other.
"""

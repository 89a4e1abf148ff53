"""`python -m kiosk.voice render DIR` is `kiosk voice render DIR`."""

import sys

from kiosk.cli import main

sys.exit(main(["voice", *sys.argv[1:]]))

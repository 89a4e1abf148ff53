"""The Thai font from fonts-thai-tlwg as Kivy's default font.

Kivy's bundled Roboto has no Thai glyphs and the SDL2 text provider has no per-glyph
fallback, so the Thai font must replace the default for every label at once.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def bold_variant(path: Path) -> Path | None:
    candidate = path.with_name(f"{path.stem}-Bold{path.suffix}")
    return candidate if candidate.exists() else None


def register_thai_font(font_path: str) -> bool:
    """Make `font_path` the default font; False (and a warning) if the file is missing."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = Path(font_path)
    if not path.is_file():
        log.warning("Thai font not found at %s: install fonts-thai-tlwg", font_path)
        return False
    bold = bold_variant(path)
    LabelBase.register(DEFAULT_FONT, str(path), fn_bold=str(bold) if bold else None)
    return True

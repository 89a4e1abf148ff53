"""Golden pictures: kept at half size as palette PNGs (small in the repository), compared
with a tolerance for anti-aliasing, so a moved widget, a changed word or a lost line
fails while a sub-pixel difference does not. Used by the kiosk's screens
(tests/ui/test_screens.py) and the staff web's pages (tests/integration/web/test_layout.py).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops

GOLDEN_SCALE = 2
CHANGED_PIXELS_ALLOWED = 0.004  # share of pixels differing by more than 48 in a channel


def half(path: Path) -> Image.Image:
    """A screenshot at the goldens' size."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    return rgb.resize((rgb.width // GOLDEN_SCALE, rgb.height // GOLDEN_SCALE), Image.BOX)


def changed_share(a: Image.Image, b: Image.Image) -> float:
    """The share of pixels that differ by more than anti-aliasing does."""
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 48 else 0)
    return diff.histogram()[255] / (a.width * a.height)


def compare(shot: Path, golden: Path, *, update: bool, colors: int = 96) -> float | None:
    """How much `shot` differs from `golden` (1.0: another size; None: close enough).

    With `update`, the golden is (re)written from the shot instead.
    """
    produced = half(shot)
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        # a palette keeps the files small; the comparison allows for its rounding
        palette = produced.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
        palette.save(golden, optimize=True)
        return None
    if not golden.exists():
        raise AssertionError(f"no golden picture {golden.name}: UPDATE_GOLDEN=1 makes it")
    with Image.open(golden) as kept:
        expected = kept.convert("RGB")
    if expected.size != produced.size:
        return 1.0
    share = changed_share(expected, produced)
    return round(share, 4) if share > CHANGED_PIXELS_ALLOWED else None

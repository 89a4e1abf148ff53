"""Paths and loaders shared by the appliance-image tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
IMAGE_BUILD = ROOT / "image-build"
OVERLAY = IMAGE_BUILD / "overlay"
UNIT_DIR = OVERLAY / "usr" / "lib" / "systemd" / "system"


def load_script(path: Path, name: str) -> ModuleType:
    """Import a script of image-build/ (not a package: it ships inside the image)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

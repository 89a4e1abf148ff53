"""Writing the few settings the settings page edits back into the TOML file.

The file is read, the changed keys set, the result validated by
:class:`common.config.Settings` *before* anything is written, and the new file
replaces the old one atomically with the same permissions. Secrets never go here:
tokens go to the secrets file through :func:`common.secrets.write_secret`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.atomic_files import write_atomic
from common.config import ConfigError, Settings, describe_validation_error

#: dotted key -> what the page calls it (the only keys the page may change)
EDITABLE: dict[str, str] = {
    "clinic.hcode": "hcode",
    "clinic.name": "clinic_name",
    "printer.uri": "printer_uri",
    "nhso.mode": "nhso_mode",
    "kiosk.provider": "provider",
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = "".join(ch if ch >= " " else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def dumps(data: Mapping[str, Any]) -> str:
    """Our configuration shape (top-level scalars, then one level of tables) as TOML."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for section, values in data.items():
        if isinstance(values, dict):
            lines.append("")
            lines.append(f"[{section}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in values.items())
    return "\n".join(lines).lstrip("\n") + "\n"


def update_config(path: Path, changes: Mapping[str, Any]) -> Settings:
    """Set `changes` (dotted keys from EDITABLE) in `path`; returns the validated result."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ConfigError(f"not editable here: {', '.join(sorted(unknown))}")
    data: dict[str, Any] = {}
    if path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section, key = dotted.split(".", 1)
        data.setdefault(section, {})[key] = value
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None
    write_atomic(path, dumps(data).encode("utf-8"))  # keeps the file's mode (new: 644)
    return settings

"""Secrets kept apart from the configuration.

The file is TOML, owned by the service user and readable by nobody else (mode 0600
or 0400); anything looser is refused, because a database password or an NHSO token
readable by every local account is a leak waiting to happen. Environment variables
``KIOSK_SECRET_<NAME>`` override single values (for CI and containers).
"""

from __future__ import annotations

import os
import re
import secrets as pysecrets
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from common.atomic_files import write_atomic
from common.config import ConfigError, describe_validation_error

SECRET_ENV_PREFIX = "KIOSK_SECRET_"  # noqa: S105 - a name prefix, not a secret


class Secrets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_password: SecretStr | None = None
    nhso_token: SecretStr | None = None  # Bearer token for NHSO web APIs (endpoint mode)
    nhso_claim_token: SecretStr | None = None  # token for close right (nhso-claim-detail)
    # NHSO e-Claim API (FMU/ecimp): the unit's DCenter account (the user name is
    # often a citizen ID, so it is a secret too).
    nhso_eclaim_username: SecretStr | None = None
    nhso_eclaim_password: SecretStr | None = None
    # NHSO Digital Platform (13 files): the "Token Mobile" of New AuthenCode (sign-on's
    # client_secret), the vendor's source id key and the optional FDH key (both sent
    # RSA-OAEP encrypted with NHSO's public key).
    ndp_client_secret: SecretStr | None = None
    ndp_source_id_key: SecretStr | None = None
    ndp_fdh_key: SecretStr | None = None
    moph_username: SecretStr | None = None
    moph_password: SecretStr | None = None
    # MOPH-PHR's one-year upload token "HCODE:TOKEN" (PHR Dashboard); optional: without
    # it UpdatePHRv1 uses the MOPH account's token.
    moph_phr_token: SecretStr | None = None
    sms_api_key: SecretStr | None = None
    session_key: SecretStr | None = None  # signs backoffice session cookies
    audit_key: SecretStr | None = None  # seals the backoffice audit trail (hash chain)
    staff_pin: SecretStr | None = None  # kiosk staff gesture
    update_token: SecretStr | None = None  # this kiosk's token on the update server

    def redacted(self) -> dict[str, str]:
        return {
            name: ("(set)" if getattr(self, name) is not None else "(not set)")
            for name in type(self).model_fields
        }


class InsecureSecretsFileError(ConfigError):
    pass


def check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureSecretsFileError(
            f"{path}: readable by group or others (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}"
        )


def load_secrets(path: Path | None) -> Secrets:
    data: dict[str, Any] = {}
    if path is not None and path.exists():
        check_private(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            # The decoder's message quotes the offending line, which may hold a secret.
            raise ConfigError(f"{path}: not valid TOML (line {_line_of(exc)})") from None
    for name in Secrets.model_fields:
        env = os.environ.get(SECRET_ENV_PREFIX + name.upper())
        if env:
            data[name] = env
    try:
        return Secrets(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None


def _line_of(exc: tomllib.TOMLDecodeError) -> str:
    # Python 3.11's decoder has no lineno attribute; its message ends "(at line N, column M)".
    found = re.search(r"at line (\d+)", str(exc))
    return found.group(1) if found else "?"


def write_secret(path: Path, name: str, value: str) -> None:
    """Set one secret, keeping the file private (used by backoffice settings)."""
    if name not in Secrets.model_fields:
        raise ConfigError(f"unknown secret: {name}")
    current: dict[str, Any] = {}
    if path.exists():
        check_private(path)
        current = tomllib.loads(path.read_text(encoding="utf-8"))
    current[name] = value
    lines = [f"{key} = {toml_string(str(val))}" for key, val in sorted(current.items())]
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"), mode=0o600)


def generated_secret(path: Path, loaded: Secrets, name: str) -> str:
    """The secret `name` (a key our programs make themselves: session_key, audit_key), or
    a new random one saved into the secrets file, which stays private."""
    current = getattr(loaded, name)
    if current is not None and current.get_secret_value():
        return str(current.get_secret_value())
    value = pysecrets.token_urlsafe(48)
    write_secret(path, name, value)
    return value


def toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'

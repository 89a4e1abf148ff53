"""First-boot provisioning of a kiosk from ``kiosk-provision.toml`` on the boot partition.

Clinic IT writes one small TOML file onto the boot partition (FAT, readable on any PC)
before the first boot. This program, run as root by ``jhcis-kiosk-provision.service``
with the product's virtual environment, turns it into:

* ``<data>/etc/jhcis-kiosk/config.toml``: the product configuration (simulators off),
  validated with the product's own ``common.config`` before anything is committed;
* ``<data>/etc/jhcis-kiosk/secrets.toml``: the secrets, mode 0600, owned by the kiosk user;
* ``<data>/ssh/authorized_keys/kioskadmin``: IT's SSH public keys;
* ``<data>/kiosk/tls/``: the staff web's HTTPS key and certificate, made for this device
  (its SHA-256 fingerprint goes to the log, to ``kiosk-provision.applied.toml`` and to
  ``backoffice.sha256`` for the kiosk's staff screen), or the clinic's own pair when
  ``backoffice-tls.crt`` and ``backoffice-tls.key`` lie beside the provisioning file
  (checked to match; the key is then erased from the boot partition like the secrets).

Then the secrets are erased from the boot partition: the file is overwritten, flushed
and removed, and a copy without secrets is left as ``kiosk-provision.applied.toml`` so
IT can see what the kiosk runs with. On a mistake nothing is committed, the file stays,
and ``kiosk-provision-error.txt`` (Thai and English, naming keys, never values) says what
to fix. Running it again with a new file updates the settings; secrets not given again
are kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import pwd
import re
import secrets
import socket
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common.config import ConfigError, load_settings
from common.errors import BilingualError
from common.secrets import Secrets, check_private, load_secrets, toml_string
from common.tls import (
    CERT_FILE,
    KEY_FILE,
    TlsError,
    check_pair,
    ensure_device_certificate,
)

log = logging.getLogger("jhcis-kiosk-provision")

PROVISION_FILE = "kiosk-provision.toml"
APPLIED_FILE = "kiosk-provision.applied.toml"
ERROR_FILE = "kiosk-provision-error.txt"
CLINIC_CERT = "backoffice-tls.crt"
CLINIC_KEY = "backoffice-tls.key"
SERVICE_USER = "kiosk"
ADMIN_USER = "kioskadmin"

# Where the running system sees what lands on the data partition (fstab bind mounts).
RUNTIME_CONFIG_DIR = Path("/etc/jhcis-kiosk")
RUNTIME_DATA_DIR = Path("/var/lib/jhcis-kiosk")

# provisioning key -> secret name in common.secrets.Secrets
SECRET_KEYS: dict[tuple[str, str], str] = {
    ("database", "password"): "database_password",
    ("nhso", "token"): "nhso_token",
    ("nhso", "claim_token"): "nhso_claim_token",
    ("moph", "username"): "moph_username",
    ("moph", "password"): "moph_password",
    ("sms", "api_key"): "sms_api_key",
    ("backoffice", "staff_pin"): "staff_pin",
    ("backoffice", "session_key"): "session_key",
    ("updates", "token"): "update_token",
}

ALLOWED_KEYS: dict[str, set[str]] = {
    "clinic": {"hcode", "name"},
    "database": {"host", "port", "name", "user", "password", "charset"},
    "nhso": {"mode", "token", "claim_token", "api_base_url", "agent_url", "ca_bundle"},
    "printer": {"uri", "width_dots", "footer"},
    "card": {"reader"},
    "kiosk": {"language", "orientation", "width", "height", "idle_timeout_s"},
    "backoffice": {"port", "staff_pin", "session_key"},
    "moph": {"base_url", "ic_base_url", "username", "password"},
    "sms": {"api_key"},
    "access": {"ssh_authorized_keys"},
    # The district's update server (image-build/README.md, "District IT").
    "updates": {
        "server_url",
        "tenant",
        "controller_id",
        "token",
        "ca_bundle",
        "allow_http",
        "allow_downgrade",
    },
}
REQUIRED: tuple[tuple[str, str], ...] = (
    ("clinic", "hcode"),
    ("database", "host"),
    ("database", "name"),
    ("database", "user"),
    ("nhso", "mode"),
    ("printer", "uri"),
)
PRODUCTION_NHSO_MODES = ("agent", "endpoint")
SSH_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-", "sk-ssh-ed25519@", "sk-ecdsa-")


class ProvisionError(BilingualError):
    code = "provision_invalid"
    message_th = "ไฟล์ตั้งค่าเครื่อง kiosk-provision.toml ไม่ถูกต้อง กรุณาแก้ไขตามรายละเอียดแล้วเปิดเครื่องใหม่"
    message_en = "kiosk-provision.toml is not valid. Fix what is listed and restart the kiosk."


class ProvisionMissingKey(ProvisionError):
    code = "provision_missing_key"
    message_th = "ไฟล์ kiosk-provision.toml ขาดค่าที่จำเป็น กรุณาเพิ่มค่าที่ระบุแล้วเปิดเครื่องใหม่"
    message_en = "kiosk-provision.toml lacks a required value. Add it and restart the kiosk."


class ProvisionNoDataPartition(ProvisionError):
    code = "provision_no_data_partition"
    message_th = "ไม่พบพาร์ทิชันข้อมูลของเครื่อง กรุณาเขียนอิมเมจลงการ์ด/ดิสก์ใหม่ทั้งหมด"
    message_en = "The kiosk's data partition is missing. Flash the whole image again."


@dataclass
class Plan:
    """What one provisioning file asks for, split into configuration and secrets."""

    config: dict[str, dict[str, Any]]
    top_level: dict[str, Any]
    secrets: dict[str, str]
    ssh_keys: list[str] = field(default_factory=list)


def parse_provision_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProvisionError(f"{path.name}: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The decoder quotes the offending line, which may be a password: give the line only.
        found = re.search(r"at line (\d+)", str(exc))
        line = found.group(1) if found else "?"
        raise ProvisionError(
            f"{path.name}: not valid TOML at line {line}",
            th=f"ไฟล์ {path.name} เขียนผิดรูปแบบ TOML ที่บรรทัด {line} กรุณาแก้ไขแล้วเปิดเครื่องใหม่",
            en=f"{path.name} is not valid TOML at line {line}. Fix it and restart the kiosk.",
        ) from None


def _require(raw: Mapping[str, Any], section: str, key: str) -> Any:
    value = raw.get(section, {}).get(key)
    if value is None or value == "":
        raise ProvisionMissingKey(
            f"missing {section}.{key}",
            th=f"ไฟล์ kiosk-provision.toml ขาดค่า [{section}] {key} กรุณาเพิ่มแล้วเปิดเครื่องใหม่",
            en=f"kiosk-provision.toml lacks [{section}] {key}. Add it and restart the kiosk.",
        )
    return value


def _bad(section: str, key: str, why_th: str, why_en: str) -> ProvisionError:
    return ProvisionError(
        f"bad {section}.{key}: {why_en}",
        th=f"ค่า [{section}] {key} ในไฟล์ kiosk-provision.toml ไม่ถูกต้อง: {why_th}",
        en=f"[{section}] {key} in kiosk-provision.toml is not valid: {why_en}",
    )


def plan_from(raw: Mapping[str, Any]) -> Plan:
    """Check the provisioning data and turn it into configuration + secrets (no I/O)."""
    for section, body in raw.items():
        if section not in ALLOWED_KEYS or not isinstance(body, dict):
            raise _bad(section, "*", "ไม่รู้จักหัวข้อนี้", "unknown section")
        for key in body:
            if key not in ALLOWED_KEYS[section]:
                raise _bad(section, key, "ไม่รู้จักค่านี้", "unknown key")
    for section, key in REQUIRED:
        _require(raw, section, key)

    db = raw["database"]
    nhso = raw["nhso"]
    if nhso["mode"] not in PRODUCTION_NHSO_MODES:
        raise _bad("nhso", "mode", "ต้องเป็น agent หรือ endpoint", "must be agent or endpoint")
    if nhso["mode"] == "endpoint":
        _require(raw, "nhso", "token")
        _require(raw, "nhso", "api_base_url")
    if raw["printer"]["uri"] == "preview":
        raise _bad("printer", "uri", "เครื่องจริงต้องมีเครื่องพิมพ์", "a kiosk needs a real printer")
    port = db.get("port", 3333)  # JHCIS MySQL listens on 3333 by default
    if not isinstance(port, int) or not 0 < port < 65536:
        raise _bad("database", "port", "ต้องเป็นตัวเลข 1-65535", "must be a number 1-65535")

    user = quote(str(db["user"]), safe="")
    charset = quote(str(db.get("charset", "utf8mb4")), safe="")
    url = f"mysql+pymysql://{user}@{db['host']}:{port}/{quote(str(db['name']), safe='')}"
    config: dict[str, dict[str, Any]] = {
        "clinic": dict(raw["clinic"]),
        "database": {"url": f"{url}?charset={charset}"},
        "card": {"simulate": False, **raw.get("card", {})},
        "nhso": {k: v for k, v in nhso.items() if ("nhso", k) not in SECRET_KEYS},
        "printer": {"simulate": False, **raw["printer"]},
        "kiosk": {"fullscreen": True, **raw.get("kiosk", {})},
        "backoffice": {
            "host": "0.0.0.0",  # noqa: S104 - the staff web is meant for the clinic LAN
            **{
                k: v
                for k, v in raw.get("backoffice", {}).items()
                if ("backoffice", k) not in SECRET_KEYS
            },
        },
        "logging": {"journal": "on"},
    }
    moph = {k: v for k, v in raw.get("moph", {}).items() if ("moph", k) not in SECRET_KEYS}
    if moph:
        config["moph"] = moph
    updates = raw.get("updates", {})
    if updates:
        _require(raw, "updates", "server_url")
        _require(raw, "updates", "token")
        # Plain http only when asked for in so many words (a test server on loopback):
        # the device token and the bundles must not cross a clinic's network in clear.
        schemes = ("https://", "http://") if updates.get("allow_http") is True else ("https://",)
        if not str(updates["server_url"]).startswith(schemes):
            raise _bad("updates", "server_url", "ต้องขึ้นต้นด้วย https://", "must start with https://")
        config["updates"] = {
            **{k: v for k, v in updates.items() if ("updates", k) not in SECRET_KEYS},
            # Root's, on the data partition: the kiosk user cannot touch the record.
            "state_dir": "/data/updates",
        }
    top_level = {
        "data_dir": str(RUNTIME_DATA_DIR),
        "secrets_file": str(RUNTIME_CONFIG_DIR / "secrets.toml"),
    }
    found_secrets: dict[str, str] = {}
    for (section, key), name in SECRET_KEYS.items():
        value = raw.get(section, {}).get(key)
        if value not in (None, ""):
            found_secrets[name] = str(value)

    keys = raw.get("access", {}).get("ssh_authorized_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise _bad(
            "access", "ssh_authorized_keys", "ต้องเป็นรายการข้อความ", "must be a list of strings"
        )
    for number, key_line in enumerate(keys, start=1):
        if not key_line.strip().startswith(SSH_KEY_TYPES):
            raise _bad(
                "access",
                f"ssh_authorized_keys[{number}]",
                "ไม่ใช่กุญแจสาธารณะ SSH",
                "not an SSH public key",
            )
    return Plan(config, top_level, found_secrets, [k.strip() for k in keys])


def render_toml(top_level: Mapping[str, Any], sections: Mapping[str, Mapping[str, Any]]) -> str:
    lines = [
        "# Written by jhcis-kiosk provisioning from kiosk-provision.toml; secrets are not here."
    ]
    lines += [f"{key} = {_toml_value(value)}" for key, value in top_level.items()]
    for name, body in sections.items():
        lines += ["", f"[{name}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in body.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return toml_string(str(value))


def _write_atomic(path: Path, text: str, mode: int, owner: tuple[int, int] | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if owner is not None:
            os.chown(tmp, *owner)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def erase_file(path: Path) -> None:
    """Overwrite, flush and unlink: FAT keeps deleted clusters readable otherwise.

    Flash wear levelling may still keep old blocks; the guide tells IT to treat the
    card's first write as sensitive and to rotate the database password if a card is lost.
    """
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
    _fsync_dir(path.parent)


@dataclass
class Layout:
    boot_dir: Path
    data_dir: Path
    service_user: str = SERVICE_USER

    @property
    def config_dir(self) -> Path:
        return self.data_dir / "etc" / "jhcis-kiosk"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def secrets_file(self) -> Path:
        return self.config_dir / "secrets.toml"

    @property
    def authorized_keys(self) -> Path:
        return self.data_dir / "ssh" / "authorized_keys" / ADMIN_USER

    @property
    def state_file(self) -> Path:
        return self.data_dir / "provision" / "state.json"

    @property
    def tls_dir(self) -> Path:
        """/var/lib/jhcis-kiosk/tls on the running system (the data partition's kiosk/)."""
        return self.data_dir / "kiosk" / "tls"


def _ids(user: str) -> tuple[int, int] | None:
    """uid/gid of the service user; None when not running as root (dry runs)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ProvisionError(
            f"service user {user} missing from the image",
            th="อิมเมจไม่สมบูรณ์ (ไม่มีผู้ใช้ของระบบ) กรุณาเขียนอิมเมจใหม่",
            en="The image is incomplete (service user missing). Flash the image again.",
        ) from None
    return entry.pw_uid, entry.pw_gid


def merged_secrets(existing_file: Path, new: Mapping[str, str]) -> dict[str, str]:
    current: dict[str, str] = {}
    if existing_file.exists():
        check_private(existing_file)
        loaded = load_secrets(existing_file)
        for name in Secrets.model_fields:
            value = getattr(loaded, name)
            if value is not None:
                current[name] = value.get_secret_value()
    current.update(new)
    # Sessions must be signed even if IT gave no key: make one the first time.
    current.setdefault("session_key", secrets.token_urlsafe(32))
    # The backoffice audit trail's seal key (its hash chain), likewise.
    current.setdefault("audit_key", secrets.token_urlsafe(32))
    return current


def apply(layout: Layout, source: Path) -> Plan:
    """Validate everything, then commit to the data partition, then clean the boot partition."""
    if not layout.data_dir.is_dir():
        raise ProvisionNoDataPartition(f"{layout.data_dir} is not a directory")
    raw = parse_provision_file(source)
    plan = plan_from(raw)
    config_text = render_toml(plan.top_level, plan.config)
    _validate_with_product(config_text, layout)

    service_ids = _ids(layout.service_user)
    config_owner = (0, service_ids[1]) if service_ids else None
    secret_values = merged_secrets(layout.secrets_file, plan.secrets)
    if "database_password" not in secret_values:
        # Needed on the first provisioning; later files may leave it out to keep it.
        _require(raw, "database", "password")
    secrets_text = "".join(f"{k} = {toml_string(v)}\n" for k, v in sorted(secret_values.items()))
    # Secrets first: if power fails half-way, the boot file (with its secrets) still exists
    # and the next boot simply applies it again.
    _write_atomic(layout.secrets_file, secrets_text, 0o600, service_ids)
    _write_atomic(layout.config_file, config_text, 0o640, config_owner)
    if plan.ssh_keys:
        _write_atomic(layout.authorized_keys, "\n".join(plan.ssh_keys) + "\n", 0o644, None)
    digest = hashlib.sha256(config_text.encode()).hexdigest()
    state = {"config_sha256": digest, "secrets_set": sorted(secret_values)}
    _write_atomic(layout.state_file, json.dumps(state, indent=2) + "\n", 0o600, None)

    fingerprint = install_tls(layout, service_ids)
    applied = render_toml({}, _without_secrets(raw))
    if fingerprint:
        applied += f"\n# backoffice HTTPS certificate SHA-256: {fingerprint}\n"
    _write_atomic(layout.boot_dir / APPLIED_FILE, applied, 0o644, None)
    erase_file(source)
    (layout.boot_dir / ERROR_FILE).unlink(missing_ok=True)
    log.info(
        "provisioned: config %s, %d secrets on the data partition", digest[:12], len(secret_values)
    )
    return plan


def install_tls(layout: Layout, owner: tuple[int, int] | None) -> str | None:
    """The staff web's HTTPS pair: the clinic's own from the boot partition, else this
    device's (made once, kept after). Returns its SHA-256 fingerprint, also logged so
    staff can compare it with what their browser shows; None when it could not be made
    (the backoffice unit tries again before it starts)."""
    cert, key = layout.boot_dir / CLINIC_CERT, layout.boot_dir / CLINIC_KEY
    tls_dir = layout.tls_dir
    if cert.exists() or key.exists():
        try:
            check_pair(cert, key)
        except TlsError as exc:
            raise ProvisionError(
                f"{CLINIC_CERT}/{CLINIC_KEY}: {exc.code}",
                th=f"ใบรับรอง {CLINIC_CERT} และกุญแจ {CLINIC_KEY} ต้องมีทั้งคู่และเป็นคู่เดียวกัน (PEM)",
                en=f"{CLINIC_CERT} and {CLINIC_KEY} must both be there and be one pair (PEM).",
            ) from None
        tls_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(tls_dir / KEY_FILE, key.read_text(encoding="ascii"), 0o600, owner)
        _write_atomic(tls_dir / CERT_FILE, cert.read_text(encoding="ascii"), 0o644, owner)
        erase_file(key)  # a private key does not stay on the FAT boot partition
    try:
        fingerprint, made = ensure_device_certificate(
            tls_dir, names=[socket.gethostname() or "jhcis-kiosk"], owner=owner
        )
    except (TlsError, OSError) as exc:
        log.warning("backoffice HTTPS certificate not made now (%s)", type(exc).__name__)
        return None
    if owner is not None:
        os.chown(tls_dir, *owner)
    log.info(
        "backoffice HTTPS certificate (%s) SHA-256 %s",
        "made for this device" if made else "kept",
        fingerprint,
    )
    return fingerprint


def _without_secrets(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    clean: dict[str, dict[str, Any]] = {}
    for section, body in raw.items():
        clean[section] = {
            k: ("(moved to the data partition)" if (section, k) in SECRET_KEYS else v)
            for k, v in body.items()
        }
    return clean


def _validate_with_product(config_text: str, layout: Layout) -> None:
    """The product's own loader must accept the file we are about to install."""
    check_dir = layout.data_dir / "provision"
    check_dir.mkdir(parents=True, exist_ok=True)
    candidate = check_dir / "config.candidate.toml"
    _write_atomic(candidate, config_text, 0o600, None)
    try:
        settings = load_settings(candidate)
    except ConfigError as exc:
        raise ProvisionError(
            f"product rejects the configuration: {exc}",
            th="ค่าในไฟล์ kiosk-provision.toml ใช้ไม่ได้กับโปรแกรม กรุณาแก้ไขตามรายละเอียดด้านล่าง",
            en="The product rejects the values in kiosk-provision.toml; see the details below.",
        ) from None
    finally:
        candidate.unlink(missing_ok=True)
    if settings.card.simulate or settings.printer.simulate or settings.nhso.mode == "sandbox":
        raise ProvisionError("a simulator would be enabled")


def report_error(boot_dir: Path, exc: BilingualError) -> None:
    text = f"{exc.th}\n{exc.en}\n\ncode: {exc.code}\ndetail: {exc.detail}\n"
    try:
        _write_atomic(boot_dir / ERROR_FILE, text, 0o644, None)
    except OSError:
        log.exception("could not write %s", ERROR_FILE)


def find_source(boot_dirs: Sequence[Path]) -> Path | None:
    for boot in boot_dirs:
        candidate = boot / PROVISION_FILE
        if candidate.is_file():
            return candidate
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--boot-dir", action="append", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--service-user", default=SERVICE_USER)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    source = find_source(args.boot_dir)
    if source is None:
        log.info("no %s on the boot partition: nothing to do", PROVISION_FILE)
        return 0
    layout = Layout(source.parent, args.data_dir, args.service_user)
    try:
        apply(layout, source)
    except BilingualError as exc:
        log.error("provisioning failed: %s (%s)", exc.code, exc.detail)
        report_error(layout.boot_dir, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

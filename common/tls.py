"""The backoffice's TLS certificate: checking a pair, a per-device one, its fingerprint.

On the appliance the staff web is HTTPS only. At first boot (and whenever it is
missing) the device makes its own key and a self-signed certificate for its name and
addresses (:func:`ensure_device_certificate`, with the ``openssl`` program Debian's
ca-certificates already brings); staff check its SHA-256 fingerprint, shown on the
kiosk's staff screen and in the provisioning log, the first time their browser asks.
A clinic may drop in its own certificate and key instead: an existing pair that
matches is never replaced.

A half-configured pair (a certificate without its key, or the reverse), an unreadable
file or a key that does not belong to the certificate is refused with a clear error:
the server never falls back to plain HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from common.errors import BilingualError

CERT_FILE = "backoffice.crt"
KEY_FILE = "backoffice.key"
FINGERPRINT_FILE = "backoffice.sha256"
#: Renewed this long before it ends (browsers warn about an expired one).
RENEW_BEFORE = dt.timedelta(days=30)
DEVICE_DAYS = 825  # what browsers accept for a certificate's life


class TlsError(BilingualError):
    code = "tls.error"
    message_th = "ตั้งค่า HTTPS ไม่ถูกต้อง กรุณาตรวจสอบไฟล์ใบรับรองและกุญแจ"
    message_en = "HTTPS is not set up correctly. Check the certificate and key files."


class TlsHalfConfigured(TlsError):
    code = "tls.half_configured"
    message_th = (
        "ระบุใบรับรอง (tls_cert) หรือกุญแจ (tls_key) เพียงอย่างเดียว ต้องระบุทั้งสองอย่าง "
        "ระบบจะไม่เปิดแบบไม่เข้ารหัส"
    )
    message_en = (
        "Only one of the certificate (tls_cert) and the key (tls_key) is given: both are "
        "needed. The server will not fall back to plain HTTP."
    )


class TlsFileUnreadable(TlsError):
    code = "tls.unreadable"
    message_th = "อ่านไฟล์ใบรับรองหรือกุญแจไม่ได้ กรุณาตรวจสอบว่ามีไฟล์และสิทธิ์การอ่าน"
    message_en = "The certificate or key file cannot be read. Check that it exists and is readable."


class TlsKeyMismatch(TlsError):
    code = "tls.key_mismatch"
    message_th = "กุญแจไม่ตรงกับใบรับรอง หรือไฟล์ไม่ใช่รูปแบบ PEM กรุณาใช้คู่ที่ออกมาด้วยกัน"
    message_en = (
        "The key does not belong to the certificate, or a file is not PEM. Use a matching pair."
    )


class TlsToolMissing(TlsError):
    code = "tls.no_openssl"
    message_th = "ไม่พบโปรแกรม openssl สำหรับสร้างใบรับรองของเครื่อง กรุณาติดตั้งแพ็กเกจ openssl"
    message_en = "The openssl program, needed to make the device certificate, is missing."


def check_pair(cert: str | Path, key: str | Path) -> str:
    """The certificate's fingerprint when `cert` and `key` are a usable pair; TlsError otherwise."""
    if not cert or not key:
        raise TlsHalfConfigured("cert" if not cert else "key")
    for path in (Path(cert), Path(key)):
        if not path.is_file() or not os.access(path, os.R_OK):
            raise TlsFileUnreadable(path.name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, ValueError):
        raise TlsKeyMismatch(Path(cert).name) from None
    except OSError:
        raise TlsFileUnreadable(Path(cert).name) from None
    return fingerprint(Path(cert))


def fingerprint(cert: Path) -> str:
    """SHA-256 of the (first) certificate's DER bytes, as browsers show it: AB:CD:..."""
    text = cert.read_text(encoding="ascii", errors="replace")
    begin = text.find("-----BEGIN CERTIFICATE-----")
    end = text.find("-----END CERTIFICATE-----", begin)
    if begin < 0 or end < 0:
        raise TlsKeyMismatch(f"{cert.name}: no PEM certificate")
    der = ssl.PEM_cert_to_DER_cert(text[begin : end + len("-----END CERTIFICATE-----")])
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def read_fingerprint(folder: Path) -> str | None:
    """What :func:`ensure_device_certificate` last wrote for the kiosk's staff screen."""
    try:
        return (folder / FINGERPRINT_FILE).read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def _expires_soon(cert: Path) -> bool:
    """Whether `cert` ends within RENEW_BEFORE (openssl's own check; False if unknown)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    seconds = str(int(RENEW_BEFORE.total_seconds()))
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [openssl, "x509", "-checkend", seconds, "-noout", "-in", str(cert)],
        capture_output=True, check=False, timeout=30,
    )  # fmt: skip
    return done.returncode == 1


def ensure_device_certificate(
    folder: Path,
    *,
    names: Iterable[str] = (),
    owner: tuple[int, int] | None = None,
) -> tuple[str, bool]:
    """The folder's pair, made if missing or near its end: (fingerprint, made now).

    A pair that matches and is not about to end is kept, whoever made it (a clinic's
    own certificate included). `names` are the host names and addresses the
    certificate is for (the first is its common name).
    """
    cert, key = folder / CERT_FILE, folder / KEY_FILE
    if cert.exists() and key.exists():
        try:
            present = check_pair(cert, key)
        except TlsError:
            present = ""
        if present and not _expires_soon(cert):
            _write_fingerprint(folder, present, owner)
            return present, False
    made = _make_self_signed(folder, list(names) or ["jhcis-kiosk"], owner)
    return made, True


def _make_self_signed(folder: Path, names: list[str], owner: tuple[int, int] | None) -> str:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TlsToolMissing("openssl")
    folder.mkdir(parents=True, exist_ok=True)
    alt = ",".join(_alt_name(name) for name in names)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".new-") as scratch:
        new_key, new_cert = Path(scratch) / KEY_FILE, Path(scratch) / CERT_FILE
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-sha256", "-days", str(DEVICE_DAYS), "-keyout", str(new_key),
                "-out", str(new_cert), "-subj", f"/O=JHCIS kiosk/CN={names[0][:60]}",
                "-addext", f"subjectAltName={alt}",
                "-addext", "extendedKeyUsage=serverAuth",
            ],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        if done.returncode != 0:
            raise TlsError(f"openssl exited {done.returncode}")
        os.chmod(new_key, 0o600)
        os.chmod(new_cert, 0o644)
        if owner is not None:
            for path in (new_key, new_cert):
                os.chown(path, *owner)
        result = check_pair(new_cert, new_key)
        # The key first: a crash in between leaves an old cert with a new key, which
        # the next start finds mismatched and replaces, never a usable mismatch.
        os.replace(new_key, folder / KEY_FILE)
        os.replace(new_cert, folder / CERT_FILE)
    _write_fingerprint(folder, result, owner)
    return result


def _alt_name(name: str) -> str:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return f"DNS:{name}"
    return f"IP:{name}"


def _write_fingerprint(folder: Path, value: str, owner: tuple[int, int] | None) -> None:
    path = folder / FINGERPRINT_FILE
    try:
        if path.read_text(encoding="ascii").strip() == value:
            return
    except OSError:
        pass
    path.write_text(value + "\n", encoding="ascii")
    os.chmod(path, 0o644)  # not a secret: staff compare it with what the browser shows
    if owner is not None:
        os.chown(path, *owner)

"""The pieces of NDP's sign-on: the request id, the encrypted source id key, the token's expiry.

As public clients send it (reference ``nhso-api.md`` §4.3, S11: ``tankitkitty/NDP-Kit``
``lib/nhso.ts``; the same headers in its README and ``.env.example``):

* ``POST {base}/stddataset/api/v2/sign-on`` with ``{"client_id": <hcode>,
  "client_secret": <the "Token Mobile" of New AuthenCode>}``;
* ``Request-id: <hcode><yyyyMMddHHmmssSSS>``;
* ``x-source-id: <the vendor's source id>``;
* ``x-sourceid-key: base64(RSA-OAEP(NHSO's public key, <source id key>))``, OAEP with
  SHA-256 and MGF1-SHA-256 (Node's ``publicEncrypt`` with ``oaepHash: "sha256"``);
* optionally ``x-fdh-key``, the FDH key encrypted the same way;
* the answer ``{"token": <JWT of about 15 minutes>}``, a refusal's text in ``errorDesc``.

One public client only (❓): how NHSO hands out its public key, and whether SHA-1 OAEP
is accepted too, are not public; the hash is configurable (``ndp.oaep_hash``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.nhso.ndp_errors import NdpKeyUnusable

OaepHash = Literal["sha256", "sha1"]
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sha1": hashes.SHA1}


def request_id(hcode: str, moment: dt.datetime) -> str:
    """``<hcode><yyyyMMddHHmmssSSS>``: the unit and the time to the millisecond."""
    return f"{hcode}{moment:%Y%m%d%H%M%S}{moment.microsecond // 1000:03d}"


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise NdpKeyUnusable("not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise NdpKeyUnusable("not an RSA key")
    return key


def oaep(name: OaepHash = "sha256") -> padding.OAEP:
    algorithm = _HASHES[name]()
    return padding.OAEP(mgf=padding.MGF1(algorithm=algorithm), algorithm=algorithm, label=None)


def encrypt_for_nhso(key: rsa.RSAPublicKey, plain: str, oaep_hash: OaepHash = "sha256") -> str:
    """base64 of the RSA-OAEP ciphertext of `plain` (UTF-8) under NHSO's public key."""
    try:
        cipher = key.encrypt(plain.encode("utf-8"), oaep(oaep_hash))
    except ValueError:
        # The key is too small for the value (RSA-OAEP carries at most k - 2h - 2 bytes).
        raise NdpKeyUnusable("the value is too long for this key") from None
    return base64.b64encode(cipher).decode("ascii")


def token_expiry(token: str) -> float | None:
    """The ``exp`` (epoch seconds) of a JWT, read without verifying it; None if absent.

    Only to know when to sign on again: NHSO verifies its own tokens.
    """
    try:
        payload = token.split(".")[1]
        padded = payload + "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None

"""NDP sign-on's pieces: the request id, RSA-OAEP of the source id key, the token's expiry."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.nhso.ndp_errors import NdpKeyUnusable
from integrations.nhso.ndp_signon import (
    encrypt_for_nhso,
    load_public_key,
    oaep,
    request_id,
    token_expiry,
)

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def test_request_id_is_the_unit_and_the_time_to_the_millisecond() -> None:
    moment = dt.datetime(2026, 3, 2, 9, 5, 7, 42_999)
    assert request_id("99901", moment) == "99901" + "20260302090507" + "042"


def test_the_source_id_key_decrypts_with_nhso_s_private_key_and_the_same_hash() -> None:
    public = load_public_key(PEM)
    sealed = encrypt_for_nhso(public, "secret-key-ค่า", "sha256")
    plain = KEY.decrypt(base64.b64decode(sealed), oaep("sha256"))
    assert plain.decode("utf-8") == "secret-key-ค่า"
    assert sealed != encrypt_for_nhso(public, "secret-key-ค่า")  # OAEP is randomised
    with pytest.raises(ValueError):  # the other hash does not open it
        KEY.decrypt(base64.b64decode(sealed), oaep("sha1"))


def test_a_key_that_is_not_an_rsa_public_key_is_refused_in_both_languages() -> None:
    with pytest.raises(NdpKeyUnusable) as caught:
        load_public_key(b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    assert caught.value.th and caught.value.en
    with pytest.raises(NdpKeyUnusable):
        encrypt_for_nhso(load_public_key(PEM), "x" * 400)  # too long for RSA-2048 OAEP


def _jwt(claims: object) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.sig"


def test_token_expiry_reads_exp_and_nothing_else() -> None:
    assert token_expiry(_jwt({"exp": 1_800_000_000})) == 1_800_000_000.0
    assert token_expiry(_jwt({"sub": "99901"})) is None
    assert token_expiry(_jwt({"exp": True})) is None
    assert token_expiry("not-a-jwt") is None

"""The sandbox's NHSO Digital Platform: sign-on, a 13-file submit, and status tracks.

Sign-on is checked the way the public client sends it (reference §4.3): ``client_id``
and ``client_secret`` in the body, ``Request-id`` = the client id and 17 digits of
time, ``x-source-id``, and ``x-sourceid-key`` (and ``x-fdh-key`` when sent) decrypted
with the sandbox's own RSA private key (OAEP, SHA-256 unless told otherwise): a client
that encrypts wrongly is refused, as NHSO would. Its public key is served at
``GET /_sandbox/ndp/public-key``. Tokens are JWT-shaped (unsigned) with an ``exp``.

The submit path is the sandbox's own (:data:`integrations.nhso.ndp.SANDBOX_SUBMIT_PATH`):
NHSO's is not public, so neither is its request or answer shape. The files are judged
by :mod:`integrations.claim_check` (the NDP checker written from the published layouts,
not from our writer): any error refuses the request. Each visit (OPD's SEQ) gets a
``uid`` and a status; a visit this unit already has under a claim that is not closed
gets 1102 (ส่งเบิกไม่สำเร็จ, sent twice).

Status tracks answer each claim's current status with NHSO's Thai name of the code
(:mod:`integrations.nhso.ndp_status`) and advance it one step along its script (by
default the path a claim takes to payment). ``POST /_sandbox/ndp`` sets the script of
later claims, or answers any documented code now (``{"answer": {"code": "3000",
"seqs": ["104"], "results": [...]}}``), so every one of the codes can be exercised.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.claim_check import check_batch
from integrations.claim_check.ndp_spec import file_for
from integrations.nhso.errors import NhsoUnavailable
from integrations.nhso.ndp import SANDBOX_SUBMIT_PATH, SIGN_ON_PATH, STATUS_PATH
from integrations.nhso.ndp_signon import OaepHash, oaep
from integrations.nhso.ndp_status import STATUS_CODES, kind_of, label_th

SANDBOX_SOURCE_ID = "JHCIS-KIOSK-SANDBOX"
SANDBOX_SOURCE_ID_KEY = "sandbox-source-id-key"
SANDBOX_CLIENT_SECRET = "sandbox-ndp-token-mobile"  # noqa: S105 - the sandbox's public test value
PUBLIC_KEY_PATH = "/_sandbox/ndp/public-key"
SIGN_ON = re.compile(rf"/{SIGN_ON_PATH}/?")
STATUS = re.compile(rf"/{STATUS_PATH}/?")
SUBMIT = re.compile(rf"/{SANDBOX_SUBMIT_PATH}/?")
#: A claim's way to payment, one step per status-tracks call.
DEFAULT_SCRIPT = ("1000", "1100", "1103", "2000", "4000", "5000", "5005")
SHOWN_ERRORS = 5
CODECS = {"utf-8": "utf-8", "windows-874": "cp874", "tis-620": "cp874"}
_REQUEST_ID = re.compile(r"(?P<hcode>\d{5})\d{17}")
#: Found when a claim waits for the unit's Authen explanation (reference §4.3, S12: A52).
_AUTHEN_RESULT = {
    "code": "A52",
    "message": "ไม่พบการ Autentication ในระบบ",
    "solution": "ประสานงานเพื่อขออุทธรณ์ไปที่ สปสช.เขต",
    "allowClaim": "N",
}

Answer = tuple[int, Any]


def _refusal(status: int, text: str) -> Answer:
    return status, {"errorDesc": text}


@dataclass
class NdpClaim:
    uid: str
    hcode: str
    seq: str
    upload_id: str
    script: list[str]
    step: int = 0
    results: list[dict[str, str]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.script[self.step]

    def view(self) -> dict[str, Any]:
        results = self.results or ([_AUTHEN_RESULT] if self.code == "2100" else [])
        return {
            "uid": self.uid, "e2eId": f"E2E-{self.uid[:8]}", "seq": self.seq,
            "hcode": self.hcode, "hn": "", "claimType": "OP", "recordStatus": "A",
            "status": {"code": self.code, "message": label_th(self.code)},
            "results": results, "claimItems": [], "claimSummary": {}, "statements": [],
        }  # fmt: skip


@functools.lru_cache(maxsize=1)
def _new_key() -> rsa.RSAPrivateKey:
    """One key per process: every sandbox a test suite starts shares it (made once)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class NdpSandbox:
    source_id: str = SANDBOX_SOURCE_ID
    source_id_key: str = SANDBOX_SOURCE_ID_KEY
    client_secret: str = SANDBOX_CLIENT_SECRET
    oaep_hash: OaepHash = "sha256"
    token_lifetime_s: float = 900.0
    clock: Callable[[], float] = time.time
    lock: threading.RLock = field(default_factory=threading.RLock)
    private_key: rsa.RSAPrivateKey = field(default_factory=_new_key, repr=False)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (hcode, exp)
    script: tuple[str, ...] = DEFAULT_SCRIPT
    claims: dict[str, NdpClaim] = field(default_factory=dict)  # uid -> claim
    uploads: list[dict[str, Any]] = field(default_factory=list)
    sign_on_requests: int = 0
    submit_requests: int = 0
    track_requests: int = 0

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    # -- sign-on ---------------------------------------------------------------------------

    def sign_on(self, headers: dict[str, str], body: Any) -> Answer:
        with self.lock:
            self.sign_on_requests += 1
        if not isinstance(body, dict) or not body.get("client_id") or not body.get("client_secret"):
            return _refusal(400, "กรุณาระบุ client_id และ client_secret")
        hcode = str(body["client_id"])
        if not re.fullmatch(r"\d{5}", hcode) or body["client_secret"] != self.client_secret:
            return _refusal(401, "client_id หรือ client_secret ไม่ถูกต้อง")
        found = _REQUEST_ID.fullmatch(headers.get("request-id", ""))
        if not found or found["hcode"] != hcode:
            return _refusal(400, "Request-id ต้องเป็นรหัสหน่วยบริการตามด้วย yyyyMMddHHmmssSSS")
        if headers.get("x-source-id") != self.source_id:
            return _refusal(401, "x-source-id ไม่ถูกต้อง")
        if self._decrypt(headers.get("x-sourceid-key", "")) != self.source_id_key:
            return _refusal(401, "x-sourceid-key ไม่ถูกต้อง")
        if "x-fdh-key" in headers and self._decrypt(headers["x-fdh-key"]) is None:
            return _refusal(401, "x-fdh-key ไม่ถูกต้อง")
        expiry = self.clock() + self.token_lifetime_s
        token = _jwt({"sub": hcode, "exp": int(expiry), "jti": uuid.uuid4().hex})
        with self.lock:
            self.tokens[token] = (hcode, expiry)
        return 200, {"token": token}

    def _decrypt(self, value: str) -> str | None:
        try:
            plain = self.private_key.decrypt(
                base64.b64decode(value, validate=True), oaep(self.oaep_hash)
            )
        except (ValueError, binascii.Error):
            return None
        return plain.decode("utf-8", errors="replace")

    def _caller(self, headers: dict[str, str]) -> str | None:
        """The unit whose token this is, when the token is good and the Request-id is there."""
        authorization = headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        with self.lock:
            held = self.tokens.get(bearer)
        if held is None or self.clock() >= held[1]:
            return None
        return held[0] if _REQUEST_ID.fullmatch(headers.get("request-id", "")) else None

    # -- submit (the sandbox's own shape: NHSO's is not public) ----------------------------------

    def submit(self, headers: dict[str, str], body: Any) -> Answer:
        with self.lock:
            self.submit_requests += 1
        hcode = self._caller(headers)
        if hcode is None:
            return _refusal(401, "Unauthorized: token ไม่ถูกต้องหรือหมดอายุ")
        if not isinstance(body, dict) or body.get("hcode") != hcode:
            return _refusal(400, "hcode ต้องตรงกับผู้ลงชื่อเข้าใช้")
        files = body.get("files")
        if not isinstance(files, list) or not files:
            return _refusal(400, "ไม่พบแฟ้ม (files)")
        try:
            raw = dict(_decode(entry) for entry in files)
        except ValueError as bad:
            return _refusal(400, str(bad))
        with tempfile.TemporaryDirectory(prefix="ndp-sandbox-") as folder:
            for name, data in raw.items():
                (Path(folder) / name).write_bytes(data)
            report = check_batch(Path(folder))
            seqs = _opd_seqs(Path(folder))
        if report.kind != "ndp" or not report.ok:
            shown = "; ".join(p.where for p in report.errors[:SHOWN_ERRORS])
            return _refusal(400, f"{report.error_count} error(s) in the files: {shown}")
        return 200, self._import(hcode, seqs)

    def _import(self, hcode: str, seqs: list[str]) -> dict[str, Any]:
        with self.lock:
            upload_id = f"A{len(self.uploads) + 1:014d}"
            held = {
                c.seq
                for c in self.claims.values()
                if c.hcode == hcode and kind_of(c.code) != "closed"
            }
            items = []
            for seq in seqs:
                script = ["1102"] if seq in held else list(self.script)
                claim = NdpClaim(str(uuid.uuid4()), hcode, seq, upload_id, script)
                self.claims[claim.uid] = claim
                items.append(
                    {"seq": seq, "uid": claim.uid,
                     "status": {"code": claim.code, "message": label_th(claim.code)}}
                )  # fmt: skip
            self.uploads.append({"upload_id": upload_id, "hcode": hcode, "seqs": list(seqs)})
            return {"uploadId": upload_id, "items": items}

    # -- status tracks ------------------------------------------------------------------------

    def track(self, headers: dict[str, str], body: Any) -> Answer:
        with self.lock:
            self.track_requests += 1
        hcode = self._caller(headers)
        if hcode is None:
            return _refusal(401, "Unauthorized: token ไม่ถูกต้องหรือหมดอายุ")
        wanted = body.get("trackDatas") if isinstance(body, dict) else None
        if not isinstance(wanted, list):
            return _refusal(400, "กรุณาระบุ trackDatas")
        answers = []
        with self.lock:
            for entry in wanted:
                uid = entry.get("uid") if isinstance(entry, dict) else None
                claim = self.claims.get(str(uid))
                if claim is None or claim.hcode != hcode:
                    continue  # not this unit's: NDP answers nothing about it
                claim.step = min(claim.step + 1, len(claim.script) - 1)
                answers.append(claim.view())
        return 200, answers

    # -- control panel ---------------------------------------------------------------------------

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sandbox/ndp``: script, answer, expire_tokens, token_lifetime_s."""
        with self.lock:
            if body.get("expire_tokens"):
                self.tokens = {t: (h, 0.0) for t, (h, _) in self.tokens.items()}
            if "token_lifetime_s" in body:
                self.token_lifetime_s = float(body["token_lifetime_s"])
            if "script" in body:
                self.script = tuple(_documented(c) for c in body["script"]) or DEFAULT_SCRIPT
            if "answer" in body:
                self._answer(body["answer"])
            return {"script": list(self.script), "claims": len(self.claims)}

    def _answer(self, answer: Any) -> None:
        if not isinstance(answer, dict):
            raise TypeError("answer must be an object")
        code = _documented(answer.get("code"))
        seqs = answer.get("seqs")
        results = answer.get("results") or []
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise TypeError("results must be a list of objects")
        for claim in self.claims.values():
            if seqs is None or claim.seq in {str(s) for s in seqs}:
                # The next status-tracks call answers this code (the step stays on it).
                claim.script, claim.step, claim.results = [code, code], 0, list(results)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "sign_on_requests": self.sign_on_requests,
                "submit_requests": self.submit_requests,
                "track_requests": self.track_requests,
                "uploads": [dict(u) for u in self.uploads],
                "claims": [asdict(c) | {"code": c.code} for c in self.claims.values()],
            }


def _documented(code: Any) -> str:
    text = str(code or "").strip().upper()
    if text not in STATUS_CODES:
        raise ValueError("not a documented NDP status code")
    return text


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sandbox"


def _decode(entry: Any) -> tuple[str, bytes]:
    """One file of a submit request: its name and bytes, the envelope checked."""
    if not isinstance(entry, dict):
        raise ValueError("files[] must be objects")
    name = entry.get("blobName")
    if not isinstance(name, str) or not re.fullmatch(r"[\w.-]{1,64}", name):
        raise ValueError("files[].blobName must be a plain file name")
    try:
        data = base64.b64decode(str(entry.get("blob", "")), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name}: blob is not valid base64") from None
    if entry.get("size") != len(data):
        raise ValueError(f"{name}: size is not the decoded length")
    codec = CODECS.get(str(entry.get("encoding", "")).lower())
    if codec is None:
        raise ValueError(f"{name}: encoding is not one the sandbox knows")
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        raise ValueError(f"{name}: text is not {entry['encoding']}") from None
    return name, data


def _opd_seqs(folder: Path) -> list[str]:
    """The visits of a checked batch: the SEQ of each OPD row."""
    for path in sorted(folder.iterdir()):
        spec = file_for(path.name)
        if spec is not None and spec.number == 4:
            text = path.read_bytes().decode("utf-8-sig", errors="replace")
            header, *rows = [line for line in text.splitlines() if line]
            at = header.split("|").index("SEQ")
            return [row.split("|")[at] for row in rows]
    return []


def fetch_public_key(base_url: str, *, transport: httpx.BaseTransport | None = None) -> bytes:
    """The running sandbox's public key (sandbox mode only: the real key comes from NHSO)."""
    try:
        with httpx.Client(transport=transport, trust_env=False, timeout=5.0) as client:
            response = client.get(base_url.rstrip("/") + PUBLIC_KEY_PATH)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise NhsoUnavailable(f"ndp sandbox public key: {type(exc).__name__}") from None
    return response.content

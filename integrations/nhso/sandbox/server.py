"""The NHSO sandbox: a real HTTP server speaking the agent's API and NHSO's web APIs.

It answers like the NHSO Secure SmartCard Agent on ``/api/...`` and like NHSO on
``/authencodestatus/api/...``, ``/nhsoendpoint/api/...`` and ``/FMU/ecimp/v1/...``
(the e-Claim API, :mod:`integrations.nhso.sandbox.eclaim`) and ``/stddataset/api/v2/...``
(the NHSO Digital Platform, :mod:`integrations.nhso.sandbox.ndp`); every response carries
``X-NHSO-Sandbox: true``. ``/_sandbox/...`` is its control panel (faults, the card in
the reader, state), never affected by faults. Start it in-process with
:class:`SandboxServer` (port 0 picks a free port) or as ``backoffice nhso sandbox``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import ssl
import threading
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from common.cid import is_valid_cid
from common.logs import redact
from common.server_errors import GenericErrors, TypeOnlyErrors
from integrations.nhso.sandbox.cards import CardSource, FixedCard
from integrations.nhso.sandbox.eclaim import AUTH_PATH as ECLAIM_AUTH
from integrations.nhso.sandbox.eclaim import SEND_PATH as ECLAIM_SEND
from integrations.nhso.sandbox.eclaim import EclaimSandbox
from integrations.nhso.sandbox.faults import Faults, FaultSwitch
from integrations.nhso.sandbox.ndp import PUBLIC_KEY_PATH as NDP_PUBLIC_KEY
from integrations.nhso.sandbox.ndp import SIGN_ON as NDP_SIGN_ON
from integrations.nhso.sandbox.ndp import STATUS as NDP_STATUS
from integrations.nhso.sandbox.ndp import SUBMIT as NDP_SUBMIT
from integrations.nhso.sandbox.ndp import NdpSandbox
from integrations.nhso.sandbox.state import (
    MSG_BAD_MOBILE,
    MSG_INVALID_CID,
    MSG_NO_SERVICE,
    AuthenRecord,
    Person,
    Refusal,
    SandboxState,
)
from integrations.nhso.transport import SANDBOX_HEADER

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - the sandbox's public test token
DEFAULT_CARD_CID = "1909900123450"  # hardware/card/profiles/demo.json
READER_NAME = "NHSO Sandbox Virtual Reader 0"
#: What a confused gateway answers with HTTP 200 (faults ``malformed``, ``garble_answer``).
GARBLED = b'<html><body>502 Bad Gateway</body></html>{"pid":'
# A 1x1 grey JPEG: the sandbox has no real photos.
PHOTO_B64 = (
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg"
    "JC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAA"
    "AAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q=="
)


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    size: int = 0  # bytes of the request body as received

    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else ""


def _now_iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def spring_error(status: int, error: str, message: str, path: str) -> Reply:
    return Reply(
        status,
        {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "status": status,
            "error": error,
            "message": message,
            "path": path,
        },
    )


def spring_validation(message: str, field_name: str, path: str) -> Reply:
    """The agent's HTTP 400 shape (reference §1.4)."""
    reply = spring_error(400, "Bad Request", "Validation failed", path)
    reply.body["errors"] = [
        {
            "codes": [f"NotValid.{field_name}", "NotValid"],
            "arguments": [
                {"codes": [field_name], "defaultMessage": field_name, "code": field_name}
            ],
            "defaultMessage": message,
            "objectName": "confirmSaveRequest",
            "code": "NotValid",
        }
    ]
    return reply


class Sandbox:
    """Routing and the APIs' answer shapes over a :class:`SandboxState`."""

    def __init__(
        self,
        state: SandboxState,
        faults: FaultSwitch,
        *,
        token: str,
        claim_token: str,
        eclaim: EclaimSandbox | None = None,
        ndp: NdpSandbox | None = None,
    ) -> None:
        self.state = state
        self.eclaim = eclaim or EclaimSandbox()
        self.ndp = ndp or NdpSandbox()
        self.faults = faults
        self.token = token
        self.claim_token = claim_token
        self.stopping = threading.Event()
        self.served = 0  # API requests received (the control panel's are not counted)
        self._served_lock = threading.Lock()
        self.routes: list[tuple[str, re.Pattern[str], Any]] = [
            ("GET", re.compile(r"/api/smartcard/terminals/?"), self.terminals),
            ("GET", re.compile(r"/api/smartcard/read/?"), self.read),
            ("GET", re.compile(r"/api/smartcard/read-card-only/?"), self.read_card_only),
            ("POST", re.compile(r"/api/nhso-service/confirm-save/?"), self.confirm_save),
            ("POST", re.compile(r"/api/nhso-service/save-as-draft/?"), self.save_as_draft),
            (
                "GET",
                re.compile(r"/api/nhso-service/latest-authen-code/(?P<pid>[^/]+)/?"),
                self.latest,
            ),
            (
                "GET",
                re.compile(r"/api/nhso-service/latest-5-authen-code-all-hospital/(?P<pid>[^/]+)/?"),
                self.latest_5,
            ),
            (
                "GET",
                re.compile(r"/authencodestatus/api/check-authen-status/?"),
                self.check_authen_status,
            ),
            ("GET", re.compile(r"/nhsoendpoint/api/RealPerson/?"), self.real_person),
            ("POST", re.compile(r"/nhsoendpoint/api/AuthenCode/?"), self.authen_code),
            ("POST", re.compile(r"/nhsoendpoint/api/nhso-claim-detail/?"), self.claim_detail),
            (
                "POST",
                re.compile(r"/nhsoendpoint/api/nhso-claim-detail/cancel/?"),
                self.claim_cancel,
            ),
            ("POST", ECLAIM_AUTH, self.eclaim_auth),
            ("POST", ECLAIM_SEND, self.eclaim_send),
            ("POST", NDP_SIGN_ON, self.ndp_sign_on),
            ("POST", NDP_SUBMIT, self.ndp_submit),
            ("POST", NDP_STATUS, self.ndp_track),
        ]

    # -- dispatch -----------------------------------------------------------------

    def count_request(self) -> None:
        with self._served_lock:
            self.served += 1

    def route(self, request: Request) -> tuple[Any, dict[str, str]] | None:
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                return handler, match.groupdict()
        return None

    def is_agent(self, path: str) -> bool:
        return path.startswith("/api/")

    def token_refusal(self, request: Request, *, claim: bool = False) -> Reply | None:
        """None when the request's credentials are good."""
        path = request.path
        if self.is_agent(path):
            return None  # the agent holds its own token
        expected = self.claim_token if claim else self.token
        if request.bearer() == expected:
            return None
        if path.startswith("/authencodestatus/"):
            return Reply(401, {"statusAuthen": False, "statusMessage": "Invalid Token"})
        return Reply(200, {"dataError": "Invalid Token"})

    def fault_reply(self, path: str, faults: Faults) -> Reply | None:
        if path.startswith("/stddataset/") and faults.token_invalid:
            return Reply(401, {"errorDesc": "Unauthorized: token ไม่ถูกต้องหรือหมดอายุ"})
        if path.startswith("/FMU/ecimp/"):
            if faults.token_invalid:
                return Reply(401, {"status": 401, "message": "Unauthorized: token expired"})
            if faults.duplicate and ECLAIM_SEND.fullmatch(path):
                return Reply(409, {"status": 409, "message": "พบข้อมูลซ้ำในระบบ e-Claim (duplicate)"})
        if faults.rate_limit:
            return Reply(429, {"status": 429, "error": "Too Many Requests"}, {"Retry-After": "1"})
        if faults.token_invalid:
            if self.is_agent(path):
                return spring_error(401, "Unauthorized", "Invalid nhso.service.token", path)
            if path.startswith("/authencodestatus/"):
                return Reply(401, {"statusAuthen": False, "statusMessage": "Invalid Token"})
            return Reply(200, {"dataError": "Invalid Token"})
        if faults.client_error:
            return spring_error(faults.client_error, "Client Error", "sandbox fault", path)
        if faults.server_error:
            return spring_error(503, "Service Unavailable", "NHSO service unavailable", path)
        if faults.malformed:
            return Reply(200, GARBLED)
        return None

    # -- agent API (§1) -----------------------------------------------------------

    def terminals(self, request: Request) -> Reply:
        if not self.state.card.reader_present():
            return Reply(200, [])
        present = self.state.current_card() is not None
        return Reply(200, [{"terminalName": READER_NAME, "isPresent": present}])

    def _card_or_500(self, request: Request) -> Any:
        card = self.state.current_card()
        if card is None:
            return spring_error(500, "Internal Server Error", "No card present", request.path)
        return card

    def read(self, request: Request) -> Reply:
        card = self._card_or_500(request)
        if isinstance(card, Reply):
            return card
        person = self.state.person(card.cid, card)
        body = self.card_fields(person, request)
        now = self.state.now()
        body.update(
            nation="099",
            transDate=_now_iso(now),
            checkDate=_now_iso(now),
            mainInscl=person.main_inscl,
            subInscl=person.sub_inscl,
            age=_age_text(person.birth_date, now.date()),
            claimTypes=[
                {"claimType": code, "claimTypeName": self.state.claim_name(code)}
                for code in person.claim_types
            ],
            correlationId=self.state.bind_correlation(card.cid),
            startDateTime=_now_iso(now - dt.timedelta(days=400)),
        )
        # Shapes differ by right (§1.3): UC has every block, SSS hospMain only, OFC none.
        for key, value in (
            ("hospSub", person.hosp_sub),
            ("hospMainOp", person.hosp_main_op),
            ("hospMain", person.hosp_main),
            ("paidModel", person.paid_model),
        ):
            if value:
                body[key] = value
        if not person.no_expire and person.main_inscl:
            body["expireDateTime"] = "2065-03-19T23:59:59"
        return Reply(200, body)

    def card_fields(self, person: Person, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {
            "pid": person.cid,
            "titleName": person.title_code,
            "fname": person.fname,
            "lname": person.lname,
            "birthDate": person.birth_date,
            "sex": person.sex,
        }
        if request.query.get("readImageFlag", "false").lower() == "true":
            body["image"] = PHOTO_B64
        return body

    def read_card_only(self, request: Request) -> Reply:
        card = self._card_or_500(request)
        if isinstance(card, Reply):
            return card
        return Reply(200, self.card_fields(self.state.person(card.cid, card), request))

    def _save_body(self, request: Request) -> tuple[dict[str, Any], Reply | None]:
        body = request.body if isinstance(request.body, dict) else {}
        for name in ("pid", "claimType", "mobile", "correlationId"):
            if not str(body.get(name) or "").strip():
                return body, spring_validation(f"{name} must not be blank", name, request.path)
        if not re.fullmatch(r"0\d{9}", str(body["mobile"])):
            return body, spring_validation(MSG_BAD_MOBILE, "mobile", request.path)
        return body, None

    def confirm_save(self, request: Request) -> Reply:
        body, refused = self._save_body(request)
        if refused:
            return refused
        pid = str(body["pid"])
        try:
            self.state.check_correlation(str(body["correlationId"]), pid)
            record = self.state.issue_authen(
                pid,
                str(body["claimType"]),
                hcode=str(body["hcode"]) if body.get("hcode") else None,
                channel="SMARTCARD_AGENT",
                correlation_id=str(body["correlationId"]),
            )
        except Refusal as exc:
            return spring_validation(exc.message, exc.field_name or "pid", request.path)
        return Reply(
            200,
            {
                "pid": pid,
                "claimType": record.claim_type,
                "correlationId": record.correlation_id,
                "createdDate": _now_iso(record.created),
                "claimCode": record.claim_code,
            },
        )

    def save_as_draft(self, request: Request) -> Reply:
        body, refused = self._save_body(request)
        if refused:
            return refused
        try:
            self.state.check_correlation(str(body["correlationId"]), str(body["pid"]))
            self.state.validate_draft(str(body["pid"]), str(body["claimType"]))
        except Refusal as exc:
            return spring_validation(exc.message, exc.field_name or "pid", request.path)
        return Reply(
            200,
            {
                "pid": body["pid"],
                "claimType": body["claimType"],
                "createdDate": _now_iso(self.state.now()),
            },
        )

    def latest(self, request: Request, pid: str) -> Reply:
        found = self.state.history(pid, hcode=self.state.hcode)
        return Reply(200, _latest_entry(found[0]) if found else {})

    def latest_5(self, request: Request, pid: str) -> Reply:
        return Reply(200, [_latest_entry(r) for r in self.state.history(pid)[:5]])

    # -- NHSO web APIs (§3.1, §4) ---------------------------------------------------

    def check_authen_status(self, request: Request) -> Reply:
        refused = self.token_refusal(request)
        if refused:
            return refused
        pid = request.query.get("personalId", "")
        day = request.query.get("serviceDate", "")
        code = request.query.get("serviceCode", "")
        message = ""
        if not pid:
            message = "กรุณาระบุ personalId"
        elif not is_valid_cid(pid):
            message = MSG_INVALID_CID
        elif not day:
            message = "กรุณาระบุ SERVICE_DATE"
        elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            message = "serviceDate ไม่ถูกต้องตามรูปแบบที่กำหนด (yyyy-MM-dd)"
        elif code and code not in self.state.claim_type_names:
            message = MSG_NO_SERVICE
        if message:
            return Reply(200, {"statusAuthen": False, "statusMessage": message})
        person = self.state.person(pid)
        histories = [
            r
            for r in self.state.history(pid)
            if r.created.date().isoformat() == day and (not code or r.claim_type == code)
        ]
        if histories:
            message = "พบข้อมูลการ authen"
        else:
            message = "ไม่พบข้อมูลการ authen" + (" ด้วยบริการนี้" if code else "")
        main_code, sub_code = _code(person.main_inscl), _code(person.sub_inscl)
        return Reply(
            200,
            {
                "statusAuthen": bool(histories),
                "statusMessage": message,
                "personalId": pid,
                "firstName": person.fname,
                "middleName": "",
                "lastName": person.lname,
                "sex": {"ชาย": "MALE", "หญิง": "FEMALE"}.get(person.sex, ""),
                "birthDate": _birth_parts(person.birth_date),
                "nation": {"code": "099", "descriptionTh": "ไทย"},
                "mainInscl": {"id": main_code, "name": _name(person.main_inscl)},
                "subInscl": {"id": sub_code, "name": _name(person.sub_inscl)},
                "serviceHistories": [
                    {
                        "hospital": {"hcode": r.hcode, "hname": r.hname},
                        "serviceDateTime": _now_iso(r.created),
                        "claimCode": r.claim_code,
                        "service": {
                            "code": r.claim_type,
                            "name": self.state.claim_name(r.claim_type),
                        },
                        "sourceChannel": r.source_channel,
                    }
                    for r in histories
                ],
            },
        )

    def real_person(self, request: Request) -> Reply:
        refused = self.token_refusal(request)
        if refused:
            return refused
        pid = request.query.get("PID", "")
        if not request.query.get("SOURCE_ID"):
            return Reply(200, {"personStatus": "N", "dataError": "กรุณาระบุ SOURCE_ID"})
        if not is_valid_cid(pid):
            return Reply(200, {"personStatus": "N", "dataError": MSG_INVALID_CID})
        person = self.state.person(pid)
        if person.deceased:
            return Reply(200, {"personStatus": "N", "dataError": "มีสถานะเสียชีวิตแล้ว"})
        parts = _birth_parts(person.birth_date)
        body: dict[str, Any] = {
            "personStatus": "Y" if person.main_inscl else "N",
            "dataError": None,
            "pid": pid,
            "titleName": person.title_code,
            "firstName": person.fname,
            "lastName": person.lname,
            "sex": {"ชาย": "1", "หญิง": "2"}.get(person.sex, "3"),
            "nationCode": "099",
            "birthDateNew": parts,
            "mainInsclCode": _code(person.main_inscl),
            "mainInsclName": _name(person.main_inscl),
            "subInsclCode": _code(person.sub_inscl),
            "subInsclName": _name(person.sub_inscl),
            "paidModel": person.paid_model,
        }
        for key, value in (
            ("hospSubNew", person.hosp_sub),
            ("hospMainOpNew", person.hosp_main_op),
            ("hospMainNew", person.hosp_main),
        ):
            if value:
                body[key] = value
        return Reply(200, body)

    def authen_code(self, request: Request) -> Reply:
        refused = self.token_refusal(request)
        if refused:
            return refused
        body = request.body if isinstance(request.body, dict) else {}
        for name in ("sourceId", "transId", "pid", "hcode", "recorderPid", "serviceCode"):
            if not str(body.get(name) or "").strip():
                return Reply(200, {"authenCode": None, "dataError": f"กรุณาระบุ {name}"})
        if not str(body.get("province") or "").strip():
            return Reply(200, {"authenCode": None, "dataError": "กรุณาระบุ province"})
        try:
            record = self.state.issue_authen(
                str(body["pid"]),
                str(body["serviceCode"]),
                hcode=str(body["hcode"]),
                channel="AUTHENCODE_API",
                trans_id=str(body["transId"]),
            )
        except Refusal as exc:
            return Reply(200, {"authenCode": None, "dataError": exc.message})
        return Reply(200, {"authenCode": record.claim_code, "dataError": None})

    def claim_detail(self, request: Request) -> Reply:
        refused = self.token_refusal(request, claim=True)
        if refused:
            return refused
        body = request.body if isinstance(request.body, dict) else {}
        try:
            record = self.state.close_right(body)
        except Refusal as exc:
            return Reply(200, {"seq": None, "authenCode": None, "dataError": exc.message})
        return Reply(200, {"seq": record.seq, "authenCode": record.authen_code, "dataError": None})

    def claim_cancel(self, request: Request) -> Reply:
        refused = self.token_refusal(request, claim=True)
        if refused:
            return refused
        body = request.body if isinstance(request.body, dict) else {}
        try:
            record = self.state.cancel_claim(
                body.get("seq"), body.get("transactionId"), body.get("paymentStatus")
            )
        except Refusal as exc:
            return Reply(200, {"status": "N", "authenCode": None, "dataError": exc.message})
        return Reply(200, {"status": "Y", "authenCode": record.authen_code, "dataError": None})

    # -- e-Claim API (§4.4) --------------------------------------------------------

    def eclaim_auth(self, request: Request) -> Reply:
        status, body = self.eclaim.auth(request.body)
        return Reply(status, body)

    def eclaim_send(self, request: Request) -> Reply:
        status, body = self.eclaim.send(request.headers, request.body, request.size)
        return Reply(status, body)

    # -- NHSO Digital Platform (§4.3; the submit path is the sandbox's own) ----------

    def ndp_sign_on(self, request: Request) -> Reply:
        return Reply(*self.ndp.sign_on(request.headers, request.body))

    def ndp_submit(self, request: Request) -> Reply:
        return Reply(*self.ndp.submit(request.headers, request.body))

    def ndp_track(self, request: Request) -> Reply:
        return Reply(*self.ndp.track(request.headers, request.body))

    # -- control panel -------------------------------------------------------------

    def control(self, request: Request) -> Reply:
        path = request.path
        body = request.body if isinstance(request.body, dict) else {}
        if path == "/_sandbox/state" and request.method == "GET":
            return Reply(200, self.snapshot())
        if path == NDP_PUBLIC_KEY and request.method == "GET":
            return Reply(200, self.ndp.public_pem())
        if path == "/_sandbox/ndp" and request.method == "POST":
            try:
                return Reply(200, self.ndp.control(body))
            except (TypeError, ValueError) as exc:
                return Reply(400, {"error": str(exc)})
        if path == "/_sandbox/faults" and request.method == "POST":
            try:
                self.faults.set(Faults.from_dict(body))
            except (TypeError, ValueError) as exc:
                return Reply(400, {"error": str(exc)})
            return Reply(200, self.faults.get().to_dict())
        if path == "/_sandbox/eclaim" and request.method == "POST":
            try:
                return Reply(200, self.eclaim.control(body))
            except (TypeError, ValueError) as exc:
                return Reply(400, {"error": str(exc)})
        if path == "/_sandbox/card" and request.method == "POST":
            card = self.state.card
            if not isinstance(card, FixedCard):
                return Reply(409, {"error": "the card comes from a PC/SC reader"})
            if "reader" in body:
                card.set_reader(bool(body["reader"]))
            if "cid" in body:
                if body["cid"]:
                    card.insert(str(body["cid"]))
                else:
                    card.remove()
            return Reply(200, {"ok": True})
        return Reply(404, {"error": "no such control"})

    def snapshot(self) -> dict[str, Any]:
        with self.state.lock:
            return {
                "sandbox": True,
                "hcode": self.state.hcode,
                "served": self.served,
                "faults": self.faults.get().to_dict(),
                "authens": [
                    {**asdict(r), "created": _now_iso(r.created)} for r in self.state.authens
                ],
                "claims": [asdict(c) for c in self.state.claims],
                "eclaim": self.eclaim.snapshot(),
                "ndp": self.ndp.snapshot(),
            }


def _latest_entry(record: AuthenRecord) -> dict[str, Any]:
    return {
        "claimType": record.claim_type,
        "claimCode": record.claim_code,
        "claimDateTime": _now_iso(record.created),
        "hcode": record.hcode,
        "checkDate": _now_iso(record.created),
    }


def _code(inscl: str) -> str:
    match = re.match(r"^\((\w+)\)", inscl)
    return match.group(1) if match else ""


def _name(inscl: str) -> str:
    return re.sub(r"^\(\w+\)\s*", "", inscl)


def _birth_parts(birth_be: str) -> dict[str, int] | None:
    if not re.fullmatch(r"\d{8}", birth_be or ""):
        return None
    year, month, day = int(birth_be[:4]) - 543, int(birth_be[4:6]), int(birth_be[6:])
    parts = {"year": year}
    if month:
        parts["month"] = month
        if day:
            parts["day"] = day
    return parts


def _age_text(birth_be: str, today: dt.date) -> str:
    parts = _birth_parts(birth_be)
    if not parts:
        return ""
    born = dt.date(parts["year"], parts.get("month", 1), parts.get("day", 1))
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return f"{years} ปี"


class _Handler(GenericErrors, BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_OPTIONS(self) -> None:
        # Browser apps call the real agent directly; it answers CORS preflights.
        self._send(Reply(204, b""))

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        request = Request(
            method=method,
            path=parts.path,
            query={k: v[0] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            size=len(raw),
        )
        if request.path.startswith("/_sandbox/"):
            self._send(sandbox.control(request))
            return
        sandbox.count_request()
        found = sandbox.route(request)
        if found is None:
            self._send(spring_error(404, "Not Found", "No handler", request.path))
            return
        handler, params = found
        faults = sandbox.faults.take(request.path)
        if faults is not None:
            if faults.latency_s and sandbox.stopping.wait(faults.latency_s):
                return
            if faults.timeout:
                sandbox.stopping.wait(faults.hang_s)
                self.close_connection = True
                return
            refused = sandbox.fault_reply(request.path, faults)
            if refused is not None:
                self._send(refused)
                return
        if raw.strip() and body is None:
            self._send(spring_error(400, "Bad Request", "JSON parse error", request.path))
            return
        reply = handler(request, **params)
        if faults is not None and faults.lose_answer:
            # The work is done (a code may be saved); the answer never arrives.
            sandbox.stopping.wait(faults.hang_s)
            self.close_connection = True
            return
        if faults is not None and faults.garble_answer:
            # The work is done; a gateway mangles the answer (HTTP 200, not JSON).
            reply = Reply(200, GARBLED)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            payload = reply.body
            content_type = "text/html; charset=UTF-8"
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json;charset=UTF-8"
        self.send_response(reply.status)
        self.send_header(SANDBOX_HEADER, "true")
        self.send_header("X-NHSO-Sandbox-Notice", "NHSO sandbox: not real NHSO")
        self.send_header("Access-Control-Allow-Origin", "*")
        if reply.status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if reply.status != 204:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry citizen IDs in paths and queries.
        log.debug("sandbox: %s", redact(format % args))


class _Server(TypeOnlyErrors, ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    sandbox: Sandbox


class SandboxServer:
    """Handle on a running sandbox (tests start one per module on port 0)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        card_cid: str | None = DEFAULT_CARD_CID,
        card_source: CardSource | None = None,
        seed_path: Path | None = None,
        hcode: str | None = None,
        token: str = DEFAULT_TOKEN,
        claim_token: str = DEFAULT_TOKEN,
        faults: Faults | None = None,
        now: Any = None,
        tls: ssl.SSLContext | None = None,
        eclaim: EclaimSandbox | None = None,
        ndp: NdpSandbox | None = None,
    ) -> None:
        self.card: CardSource = card_source or FixedCard(card_cid)
        self.state = SandboxState(self.card, seed_path=seed_path, hcode=hcode, now=now)
        self.faults = FaultSwitch(faults)
        self.eclaim = eclaim or EclaimSandbox()
        self.ndp = ndp or NdpSandbox()
        self.sandbox = Sandbox(
            self.state,
            self.faults,
            token=token,
            claim_token=claim_token,
            eclaim=self.eclaim,
            ndp=self.ndp,
        )
        self._server = _Server((host, port), _Handler)
        self._server.sandbox = self.sandbox
        self.scheme = "http"
        if tls is not None:
            # Like NHSO's real endpoints: lets tests prove the clients verify TLS.
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        return f"{self.scheme}://{host}:{self.port}"

    def start(self) -> SandboxServer:
        # A short poll interval keeps stop() (and each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="nhso-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self.sandbox.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- conveniences for tests and the demo ----------------------------------------

    def set_faults(self, **switches: Any) -> Faults:
        return self.faults.update(**switches)

    def clear_faults(self) -> None:
        self.faults.clear()

    def insert_card(self, cid: str) -> None:
        self._fixed().insert(cid)

    def remove_card(self) -> None:
        self._fixed().remove()

    def set_reader(self, present: bool) -> None:
        self._fixed().set_reader(present)

    def _fixed(self) -> FixedCard:
        if not isinstance(self.card, FixedCard):
            raise TypeError("the card comes from a PC/SC reader")
        return self.card

    def authens(self, pid: str | None = None) -> list[AuthenRecord]:
        with self.state.lock:
            return [r for r in self.state.authens if pid is None or r.pid == pid]

"""Where reminders go: the channel interface, Thai texts, SMS gateway, หมอพร้อม, slips.

A channel says who it can reach (:meth:`Channel.address`, None = cannot) and sends
one appointment's reminder, returning the provider's reference. It raises a
:class:`~backoffice.reminders.errors.ReminderError` whose ``nothing_sent`` tells the
sender whether a later run may try again (see :mod:`backoffice.reminders.ledger`).

* :class:`SmsGatewayChannel` — a generic HTTP SMS gateway: ``POST {url}`` JSON
  ``{"to", "message", "reference"}`` with ``Authorization: Bearer <sms_api_key>``;
  any 2xx is accepted, ``id`` of a JSON answer is kept as the reference. Commercial
  Thai gateways differ in field names; this is the shape our sandbox speaks.
* :class:`MophPushChannel` — หมอพร้อม (app + LINE) through MOPH IC
  ``POST /api/SendMessageTarget`` (reference §5) with the MOPH Account Center token
  (:class:`integrations.moph.ic.MophIcClient`).
* :class:`SlipChannel` — an appointment slip on the ticket printer.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import httpx

from backoffice.reminders.errors import (
    ChannelNotConfigured,
    ChannelRejected,
    ChannelUnavailable,
    ChannelUncertain,
    PrinterUnavailable,
)
from common import safe_json
from common.cid import is_valid_cid
from common.thaidate import format_date_th
from hardware.printer import PrinterError, TicketPrinter
from integrations.jhcis.appointments import Appointment
from integrations.moph.errors import MophError, MophNotConfigured, MophTimeout, MophUnavailable
from integrations.moph.ic import MophIcClient

log = logging.getLogger(__name__)


def reminder_text(a: Appointment, clinic_name: str, phone: str = "") -> str:
    """The Thai reminder: who calls, what, when, and how to stop the messages. No name."""
    when = format_date_th(a.date, long=True)
    if a.time:
        when += f" เวลา {a.time:%H:%M} น."
    what = f"รับวัคซีน {a.what}" if a.kind == "epi" else a.what
    contact = f" สอบถามโทร {phone}" if phone else ""
    return (
        f"{clinic_name} แจ้งเตือนนัด{what} วันที่ {when} กรุณามารับบริการตามนัด"
        f"{contact} (ไม่ต้องการรับข้อความนี้ แจ้งเจ้าหน้าที่ได้)"
    )


def reminder_title(a: Appointment) -> str:
    return "แจ้งเตือนใกล้ถึงวันนัดรับวัคซีน" if a.kind == "epi" else "แจ้งเตือนใกล้ถึงวันนัด"


class Channel(ABC):
    name: ClassVar[str]
    #: SMS and push wait for the end of quiet hours; printing does not.
    quiet_hours_apply: ClassVar[bool] = True

    @abstractmethod
    def address(self, a: Appointment) -> str | None:
        """Whom to send to (phone, CID, "" for print); None when this channel cannot reach them."""

    @abstractmethod
    def send(self, a: Appointment, text: str, reference: str) -> str:
        """Send one reminder; returns the provider's reference (may be "")."""

    def close(self) -> None:
        return None


def normalise_phone(raw: str) -> str | None:
    """A Thai mobile number as 10 digits starting 06/08/09, else None."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if digits.startswith("66") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits[:2] in {"06", "08", "09"}:
        return digits
    return None


class SmsGatewayChannel(Channel):
    name = "sms"

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url or not api_key:
            raise ChannelNotConfigured("sms gateway url or sms_api_key missing")
        self.url = url
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "jhcis-kiosk/0.1"},
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def address(self, a: Appointment) -> str | None:
        return normalise_phone(a.phone)

    def send(self, a: Appointment, text: str, reference: str) -> str:
        to = self.address(a)
        if to is None:
            raise ChannelRejected("sms: no mobile number")
        body = {"to": to, "message": text, "reference": reference}
        try:
            response = self._http.post(self.url, json=body)
        except httpx.ConnectError:
            raise ChannelUnavailable("sms: cannot connect") from None
        except httpx.TimeoutException:
            raise ChannelUncertain("sms: timeout") from None
        except httpx.HTTPError as exc:
            raise ChannelUncertain(f"sms: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelUnavailable(f"sms: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ChannelRejected(f"sms: HTTP {response.status_code}")
        try:
            # Sent (2xx) whatever the body says; one nested past reason is unreadable too.
            data: Any = safe_json.loads(response.content)
        except ValueError:
            data = {}
        return str(data.get("id") or "") if isinstance(data, dict) else ""

    def close(self) -> None:
        self._http.close()


def _moph_status_ok(data: dict[str, Any]) -> bool:
    # The real answer's shape is not public; accept the usual success markers and
    # treat an explicit non-2xx status or MessageCode as a refusal.
    for key in ("status", "MessageCode", "code"):
        if key in data and str(data[key]) not in {"200", "201", "success", "ok", "OK"}:
            return False
    return True


class MophPushChannel(Channel):
    name = "mophpush"

    def __init__(self, client: MophIcClient, hospital_name: str) -> None:
        self.client = client
        self.hospital_name = hospital_name

    def address(self, a: Appointment) -> str | None:
        return a.cid if is_valid_cid(a.cid) else None

    def send(self, a: Appointment, text: str, reference: str) -> str:
        cid = self.address(a)
        if cid is None:
            raise ChannelRejected("mophpush: no valid citizen id")
        try:
            data = self.client.send_message_target(
                hospital_name=self.hospital_name,
                reference=reference,
                title=reminder_title(a),
                html=f"<p>{_html_escape(text)}</p>",
                targets=[cid],
            )
        except MophTimeout:
            raise ChannelUncertain("mophpush: timeout") from None
        except MophNotConfigured:
            raise ChannelNotConfigured("mophpush: moph account missing") from None
        except MophUnavailable as exc:
            raise ChannelUnavailable(f"mophpush: {exc.code}") from None
        except MophError as exc:
            raise ChannelRejected(f"mophpush: {exc.code}") from None
        if not _moph_status_ok(data):
            raise ChannelRejected("mophpush: refused")
        return reference

    def close(self) -> None:
        self.client.close()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlipChannel(Channel):
    """An appointment slip on the ticket printer, for staff to hand out or send home."""

    name = "slip"
    quiet_hours_apply = False

    def __init__(self, printer: TicketPrinter, clinic_name: str, phone: str = "") -> None:
        self.printer = printer
        self.clinic_name = clinic_name
        self.phone = phone

    def address(self, a: Appointment) -> str | None:
        return ""

    def send(self, a: Appointment, text: str, reference: str) -> str:
        from backoffice.reminders.slips import render_slip

        image = render_slip(
            a, self.clinic_name, width_dots=self.printer.width_dots, phone=self.phone
        )
        try:
            result = self.printer.print_image(image, label="appointment")
        except PrinterError as exc:
            # A printer that stopped mid-slip printed part of it: nothing usable left.
            raise PrinterUnavailable(f"slip: {exc.code}") from None
        return f"{result.printer}:{result.bytes_sent}"

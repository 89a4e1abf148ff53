"""The kiosk's health in staff words: what is wrong, what to do, and what still works.

Staff read "เครื่องพิมพ์บัตรคิวกระดาษหมด — เติมกระดาษ", never ``error paper_out``. One
term for one thing, as on the kiosk: ตู้ (the kiosk), เครื่องพิมพ์บัตรคิว (its printer),
รหัสยืนยันสิทธิ (Authen Code). The codes stay in the page only as data attributes, for
support and for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.devices.report import Component, KioskReport

Words = tuple[str, str]  # (Thai, English)


@dataclass(frozen=True)
class Problem:
    code: str  # "printer.paper_out": stable, for data attributes and tests
    level: str  # bad (something does not work) | warn (soon, or switched off) | info
    what: Words
    todo: Words
    then: Words | None = None  # what still works meanwhile

    @property
    def in_banner(self) -> bool:
        return self.level in ("bad", "warn")

    def say(self, lang: str) -> tuple[str, str, str]:
        index = 0 if lang == "th" else 1
        then = self.then[index] if self.then else ""
        return self.what[index], self.todo[index], then


_TICKETS_LATER: Words = (
    "ผู้ป่วยยังลงทะเบียนได้ บัตรคิวที่พิมพ์ไม่ออกอยู่ในรายการ บัตรคิวที่พิมพ์ไม่สำเร็จ",
    "Patients can still check in; tickets that did not print are listed under "
    "Tickets that did not print",
)
_CODES_LATER: Words = (
    "ผู้ป่วยยังลงทะเบียนได้ รหัสยืนยันสิทธิ (Authen Code) ที่ยังไม่ได้ ขอภายหลังได้ที่เมนู ตรวจสอบรหัสยืนยันสิทธิ",
    "Patients can still check in; get the missing Authen Codes later under Authen Codes",
)

PROBLEMS: dict[str, Problem] = {
    p.code: p
    for p in (
        Problem(
            "printer.paper_out",
            "bad",
            ("เครื่องพิมพ์บัตรคิวกระดาษหมด", "The ticket printer is out of paper"),
            ("เติมกระดาษ", "Load paper"),
            _TICKETS_LATER,
        ),
        Problem(
            "printer.paper_near_end",
            "warn",
            ("กระดาษบัตรคิวใกล้หมด", "The ticket paper is running low"),
            ("เตรียมกระดาษม้วนใหม่ไว้เติม", "Have a new roll ready"),
        ),
        Problem(
            "printer.cover_open",
            "bad",
            ("ฝาเครื่องพิมพ์บัตรคิวเปิดอยู่", "The ticket printer's cover is open"),
            ("ปิดฝาเครื่องพิมพ์ให้สนิท", "Close the printer's cover"),
            _TICKETS_LATER,
        ),
        Problem(
            "printer.offline",
            "bad",
            ("เครื่องพิมพ์บัตรคิวไม่ตอบสนอง", "The ticket printer does not answer"),
            (
                "ตรวจสอบว่าเปิดเครื่องพิมพ์และเสียบสายแน่นแล้ว แล้วกดทดสอบพิมพ์",
                "Check that the printer is on and its cable is in, then press Test print",
            ),
            _TICKETS_LATER,
        ),
        Problem(
            "printer.error",
            "bad",
            ("พิมพ์บัตรคิวไม่สำเร็จ", "A queue ticket did not print"),
            ("ตรวจสอบเครื่องพิมพ์ แล้วกดทดสอบพิมพ์", "Check the printer, then press Test print"),
            _TICKETS_LATER,
        ),
        Problem(
            "nhso.unreachable",
            "bad",
            ("ตู้ติดต่อ สปสช. ไม่ได้", "The kiosk cannot reach NHSO"),
            ("ตรวจสอบการเชื่อมต่ออินเทอร์เน็ต", "Check the internet connection"),
            _CODES_LATER,
        ),
        Problem(
            "nhso.agent_not_running",
            "bad",
            (
                "โปรแกรม NHSO Secure Smart Card Agent ที่ตู้ไม่ทำงาน",
                "The NHSO Secure Smart Card Agent on the kiosk is not running",
            ),
            ("เปิดโปรแกรม Agent ใหม่ หรือปิดเปิดตู้ใหม่", "Start the agent again, or restart the kiosk"),
            _CODES_LATER,
        ),
        Problem(
            "reader.missing",
            "bad",
            ("เครื่องอ่านบัตรไม่ได้เชื่อมต่อ", "The card reader is not connected"),
            (
                "เสียบสาย USB ของเครื่องอ่านบัตรให้แน่น",
                "Plug the card reader's USB cable in firmly",
            ),
            ("ระหว่างนี้ลงทะเบียนแทนผู้ป่วยที่เมนู ลงทะเบียนแทนผู้ป่วย", "Meanwhile, use Assisted check-in"),
        ),
        Problem(
            "database.down",
            "bad",
            ("ตู้ติดต่อฐานข้อมูล JHCIS ไม่ได้", "The kiosk cannot reach the JHCIS database"),
            (
                "ตรวจสอบเครื่องแม่ข่าย JHCIS และสายแลน",
                "Check the JHCIS server and the network cable",
            ),
            (
                "ผู้ป่วยยังลงทะเบียนได้ ตู้เก็บไว้และส่งเข้า JHCIS เองเมื่อติดต่อได้",
                "Patients can still check in; the kiosk keeps them and sends them to JHCIS "
                "once it can",
            ),
        ),
        Problem(
            "kiosk.stopped",
            "warn",
            ("โปรแกรมตู้ปิดอยู่", "The kiosk program is not running"),
            ("เปิดเครื่องตู้ หรือปิดเปิดใหม่", "Switch the kiosk on, or restart it"),
        ),
    )
}

#: A component's status and code, as the kiosk writes them, to the problem they mean.
_FROM_HEALTH: dict[tuple[str, str, str], str] = {
    ("printer", "failed", "paper_out"): "printer.paper_out",
    ("printer", "failed", "cover_open"): "printer.cover_open",
    ("printer", "failed", "offline"): "printer.offline",
    ("printer", "failed", "error"): "printer.error",
    ("printer", "warning", "paper_near_end"): "printer.paper_near_end",
    ("nhso", "down", ""): "nhso.unreachable",
    ("nhso", "down", "unreachable"): "nhso.unreachable",
    ("nhso", "down", "agent_not_running"): "nhso.agent_not_running",
    ("reader", "missing", ""): "reader.missing",
    ("database", "down", ""): "database.down",
}

COMPONENT_NAMES: dict[str, Words] = {
    "reader": ("เครื่องอ่านบัตร", "Card reader"),
    "printer": ("เครื่องพิมพ์บัตรคิว", "Ticket printer"),
    "nhso": ("การเชื่อมต่อ สปสช.", "NHSO connection"),
    "database": ("ฐานข้อมูล JHCIS", "JHCIS database"),
}
_STATUS_WORDS: dict[str, Words] = {
    "ok": ("ปกติ", "OK"),
    "unknown": ("ยังไม่ทราบ", "Not known yet"),
}
_READER_LAST_CARD: Words = ("อ่านบัตรใบล่าสุดไม่ได้ (ตัวเครื่องปกติ)", "The last card could not be read")
_NOT_WORKING: Words = ("ใช้งานไม่ได้", "Not working")

STATES: dict[str, Words] = {
    "idle": ("พร้อมใช้งาน", "Ready"),
    "starting": ("กำลังเปิด", "Starting"),
    "stopped": ("ปิดอยู่", "Switched off"),
    "staff_pin": ("เจ้าหน้าที่กำลังใช้งาน", "In staff mode"),
    "staff_menu": ("เจ้าหน้าที่กำลังใช้งาน", "In staff mode"),
}
_BUSY: Words = ("มีผู้ป่วยกำลังลงทะเบียน", "A patient is checking in")

FAILURE_KINDS: dict[str, Words] = {
    "paper_out": ("กระดาษหมด", "Out of paper"),
    "cover_open": ("ฝาเครื่องพิมพ์เปิด", "Cover open"),
    "offline": ("เครื่องพิมพ์ไม่ตอบสนอง", "Printer did not answer"),
    "error": ("พิมพ์ไม่สำเร็จ", "Did not print"),
}


def problem_of(component: Component) -> Problem | None:
    code = _FROM_HEALTH.get((component.name, component.status, component.code))
    if code is None:  # the same status with a code this page does not know yet
        code = _FROM_HEALTH.get((component.name, component.status, ""))
    return PROBLEMS.get(code) if code else None


def journal_problem(pending: int) -> Problem:
    return Problem(
        "kiosk.journal",
        "info",
        (
            f"มีการลงทะเบียน {pending} รายการที่ตู้เก็บไว้ รอส่งเข้า JHCIS",
            f"{pending} check-ins are kept at the kiosk, waiting to reach JHCIS",
        ),
        (
            "ไม่ต้องทำอะไร ตู้จะส่งให้เองเมื่อติดต่อ JHCIS ได้",
            "Nothing to do: the kiosk sends them once it reaches JHCIS",
        ),
    )


def problems(report: KioskReport) -> list[Problem]:
    """What is wrong, worst first. A stopped kiosk's components are old news: only that."""
    if report.state == "stopped":
        return [PROBLEMS["kiosk.stopped"]]
    found = [p for p in map(problem_of, report.components) if p is not None]
    found.sort(key=lambda p: 0 if p.level == "bad" else 1)
    if report.journal_pending:
        found.append(journal_problem(report.journal_pending))
    return found


def component_words(component: Component) -> Words:
    problem = problem_of(component)
    if problem is not None:
        return problem.what
    if component.name == "reader" and component.status == "card_error":
        return _READER_LAST_CARD
    return _STATUS_WORDS.get(component.status, _NOT_WORKING)


def state_words(state: str) -> Words:
    return STATES.get(state, _BUSY)


def pick(words: Words, lang: str) -> str:
    return words[0] if lang == "th" else words[1]

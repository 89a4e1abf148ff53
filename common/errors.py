"""One shape for every failure a patient or staff member may see.

Each error carries a stable machine code and a message in Thai and in English that
says what happened and what to do next. Messages never contain personal data: the
code and the message are safe to log, to show on a public screen and to print.
"""

from __future__ import annotations

from typing import ClassVar


class BilingualError(Exception):
    """Base for every expected external failure (card, printer, NHSO, database)."""

    code: ClassVar[str] = "error"
    message_th: ClassVar[str] = "เกิดข้อผิดพลาด กรุณาติดต่อเจ้าหน้าที่"
    message_en: ClassVar[str] = "Something went wrong. Please ask the staff."

    def __init__(self, detail: str = "", *, th: str | None = None, en: str | None = None) -> None:
        # `detail` is for developers and logs; it must not carry personal data.
        self.detail = detail
        self._th = th
        self._en = en
        super().__init__(
            f"[{self.code}] {en or self.message_en}" + (f" ({detail})" if detail else "")
        )

    @property
    def th(self) -> str:
        return self._th or self.message_th

    @property
    def en(self) -> str:
        return self._en or self.message_en

    def as_dict(self) -> dict[str, str]:
        return {"error_code": self.code, "message_th": self.th, "message_en": self.en}


def error_label(exc: BaseException) -> str:
    """What may be written about an unexpected failure: its type and stable code.

    Never the exception's text: a database driver, a parser or a card library may
    quote the values it was given (a citizen ID, a name).
    """
    name = type(exc).__name__
    return f"{name} [{exc.code}]" if isinstance(exc, BilingualError) else name

"""What the checker found: problems, the report that holds them, and the collector.

A batch of 100,000 visits with one systematic fault would otherwise carry 100,000 equal
problems; the collector keeps the first `SHOWN_PER_RULE` of each (file, field, code)
and counts the rest, so the report stays readable and the totals stay true.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from .messages import CATALOG, Bi

Severity = Literal["error", "warning"]
BatchKind = Literal["eclaim", "ssop", "ndp", "unknown"]

ERROR: Severity = "error"
WARNING: Severity = "warning"

SHOWN_PER_RULE = 50

#: Last line of defence for PDPA: a 13-digit run is a citizen ID until proven otherwise,
#: and is never echoed even if a caller passes it as a value by mistake.
_LOOKS_LIKE_CID = re.compile(r"\d{13}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. `line` is 1-based (a text file's header line is line 1); `None`
    means the whole file or batch. `value` is set only when it is not personal."""

    severity: Severity
    code: str
    file: str
    line: int | None
    field: str | None
    message_th: str
    message_en: str
    value: str | None = None

    def message(self, lang: str = "th") -> str:
        """The message in "th", "en", or "both" (Thai, then English)."""
        if lang == "both":
            return f"{self.message_th} / {self.message_en}"
        return self.message_en if lang == "en" else self.message_th

    @property
    def where(self) -> str:
        """Where and which rule, for a one-line answer: "INS.txt line 2 INSCL: code_list"."""
        line = f" line {self.line}" if self.line is not None else ""
        field = f" {self.field}" if self.field else ""
        return f"{self.file}{line}{field}: {self.code}"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "value": self.value,
            "message_th": self.message_th,
            "message_en": self.message_en,
        }


@dataclass
class CheckReport:
    """The checker's verdict on one batch (see `check_batch`)."""

    path: str
    kind: BatchKind
    problems: list[Problem] = field(default_factory=list)
    #: File name -> the encoding its text was read as ("windows-874", "utf-8",
    #: "utf-8-sig" with a byte-order mark, "ascii" when every byte is ASCII).
    encodings: dict[str, str] = field(default_factory=dict)
    #: "file|field|code" -> how many problems of that rule were left out of `problems`.
    suppressed: dict[str, int] = field(default_factory=dict)
    error_count: int = 0
    warning_count: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return self.error_count == 0

    def codes(self) -> Counter[str]:
        """How often each problem code occurred, counting the suppressed ones too."""
        found: Counter[str] = Counter(p.code for p in self.problems)
        for key, more in self.suppressed.items():
            found[key.rsplit("|", 1)[1]] += more
        return found

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "kind": self.kind,
            "ok": self.ok,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "encodings": dict(self.encodings),
            "suppressed": dict(self.suppressed),
            "problems": [p.as_dict() for p in self.problems],
        }


def _render(template: str, params: dict[str, object], side: int) -> str:
    chosen = {k: (v[side] if isinstance(v, tuple) else v) for k, v in params.items()}
    return template.format(**chosen)


class Findings:
    """Collects problems for one report, with wording from the catalog and a cap per rule."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        self._shown: Counter[tuple[str, str | None, str]] = Counter()

    def add(
        self,
        severity: Severity,
        code: str,
        file: str,
        line: int | None = None,
        field: str | None = None,
        *,
        value: str | None = None,
        **params: object | Bi,
    ) -> None:
        if severity == ERROR:
            self.report.error_count += 1
        else:
            self.report.warning_count += 1
        rule = (file, field, code)
        self._shown[rule] += 1
        if self._shown[rule] > SHOWN_PER_RULE:
            key = f"{file}|{field or ''}|{code}"
            self.report.suppressed[key] = self.report.suppressed.get(key, 0) + 1
            return
        if value is not None and _LOOKS_LIKE_CID.search(value):
            value = None
        words: dict[str, object] = {"file": file, "field": field or "", "value": value or ""}
        words.update(params)
        th, en = CATALOG[code]
        self.report.problems.append(
            Problem(
                severity=severity,
                code=code,
                file=file,
                line=line,
                field=field,
                message_th=_render(th, words, 0),
                message_en=_render(en, words, 1),
                value=value,
            )
        )

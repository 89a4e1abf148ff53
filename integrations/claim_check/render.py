"""The report as text for a person at a terminal, in Thai or English."""

from __future__ import annotations

from .messages import MORE_OF_SAME
from .problems import ERROR, CheckReport

_WORDS = {
    "th": {
        "kind": {
            "eclaim": "ชุดแฟ้ม e-Claim",
            "ssop": "ชุดแฟ้ม SSOP",
            "ndp": "ชุด 13 แฟ้ม (NHSO Digital Platform)",
            "unknown": "ชุดแฟ้ม",
        },
        "pass": "ผ่าน",
        "fail": "ไม่ผ่าน",
        "counts": "ข้อผิดพลาด {errors}, คำเตือน {warnings}",
        "encodings": "การเข้ารหัสอักขระ",
        "error": "ข้อผิดพลาด",
        "warning": "คำเตือน",
        "line": "บรรทัด",
        "field": "ช่อง",
        "batch": "ทั้งชุด",
    },
    "en": {
        "kind": {
            "eclaim": "e-Claim batch",
            "ssop": "SSOP batch",
            "ndp": "13-file batch (NHSO Digital Platform)",
            "unknown": "Batch",
        },
        "pass": "passed",
        "fail": "failed",
        "counts": "{errors} errors, {warnings} warnings",
        "encodings": "Encodings",
        "error": "error",
        "warning": "warning",
        "line": "line",
        "field": "field",
        "batch": "whole batch",
    },
}


def format_report(report: CheckReport, lang: str = "th") -> str:
    """One line per problem, most useful first: errors, then warnings, each in file order."""
    words = _WORDS["en" if lang == "en" else "th"]
    verdict = words["pass"] if report.ok else words["fail"]
    counts = str(words["counts"]).format(errors=report.error_count, warnings=report.warning_count)
    kinds = words["kind"]
    assert isinstance(kinds, dict)
    lines = [f"{kinds[report.kind]}: {report.path} - {verdict} ({counts})"]
    if report.encodings:
        shown = ", ".join(f"{name} {enc}" for name, enc in report.encodings.items())
        lines.append(f"{words['encodings']}: {shown}")
    for problem in sorted(report.problems, key=lambda p: p.severity != ERROR):
        where = [problem.file if problem.file != "*" else str(words["batch"])]
        if problem.line is not None:
            where.append(f"{words['line']} {problem.line}")
        if problem.field:
            where.append(f"{words['field']} {problem.field}")
        lines.append(f"[{words[problem.severity]}] {' '.join(where)}: {problem.message(lang)}")
    more = MORE_OF_SAME[1] if lang == "en" else MORE_OF_SAME[0]
    for key, count in report.suppressed.items():
        file, field, code = key.split("|")
        label = " ".join(part for part in (file, field, code) if part)
        lines.append(f"  ({label}: {more.format(count=count)})")
    return "\n".join(lines)

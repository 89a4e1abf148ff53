"""The SSOP wrapper around the rows: declaration, ClaimRec, Header, the EndNote checksum,
and the names the batch and its files carry.

Checksum: MD5 of every byte before the `<?EndNote` line, in uppercase hex. The tested
editor of real files (ED) and the PHP exporters (HX, LV) include the line end after
`</ClaimRec>`; the C# exporter (CS) leaves it out, so that form is a warning, not an
error. A real hospital file (SSOP-T §13) and CS, HX, LV, ED write uppercase hex; three
other public producers write lowercase, and nothing says สกส. rejects it: a warning.
"""

from __future__ import annotations

import hashlib
import re

from .fields import DATETIME19, DIGITS, HCODE, INTEGER, Field, check_value, exp, is_date, req
from .messages import Bi
from .problems import ERROR, WARNING, Findings, Severity

_ENDNOTE = b"<?EndNote"
_CHECKSUM = re.compile(r'<\?EndNote\s+Check[Ss]um\s*=\s*"([^"]*)"\s*\?>')
_HEADER_ELEMENT = re.compile(r"<(\w+)>(.*?)</\1>")
_XML_ENCODING = re.compile(r'encoding\s*=\s*"([^"]+)"')
_ZIP_NAME = re.compile(r"(\d{5})_SSOPBIL_(\d+)_(\d{2})_(\d{8}-\d{6})(\.zip)?", re.IGNORECASE)
_FILE_NAME = re.compile(r"(BILLTRAN|BILLDISP|OPSERVICES)(\d{8})\.TXT")

#: How the Header's elements must look.
HEADER_FIELDS: tuple[Field, ...] = (
    req("HCODE", HCODE),
    exp("HNAME"),
    req("DATETIME", DATETIME19),
    req("SESSNO", DIGITS),
    req("RECCOUNT", INTEGER),
)

Header = dict[str, tuple[str, int]]  # element -> (text, line)


class ChecksumTracker:
    """Fed every raw line before decoding; keeps the MD5 of the bytes before `<?EndNote`
    (`full`) and of the same bytes without the last line end (`short`)."""

    def __init__(self) -> None:
        self.full = hashlib.md5(usedforsecurity=False)
        self.short = hashlib.md5(usedforsecurity=False)
        self._pending = b""
        self.done = False

    def feed(self, body: bytes, end: bytes) -> None:
        if self.done:
            return
        at = body.find(_ENDNOTE)
        if at < 0:
            self.full.update(body + end)
            self.short.update(self._pending + body)
            self._pending = end
            return
        head = body[:at]
        self.full.update(head)
        if head:
            self.short.update(self._pending + head)
        self.done = True


def structure(
    findings: Findings, name: str, line: int | None, detail: Bi, severity: Severity = ERROR
) -> None:
    findings.add(severity, "structure", name, line, detail=detail)


def check_declaration(findings: Findings, name: str, line: str) -> None:
    if not line.startswith("<?xml"):
        structure(
            findings,
            name,
            1,
            ("บรรทัดแรกต้องเป็น <?xml ... ?>", "the first line must be <?xml ... ?>"),
        )
        return
    declared = _XML_ENCODING.search(line)
    if declared is None or declared.group(1).lower() not in ("windows-874", "tis-620"):
        detail = (
            '<?xml ...?> ต้องประกาศ encoding="windows-874"',
            '<?xml ...?> must declare encoding="windows-874"',
        )
        structure(findings, name, 1, detail, WARNING)


def check_claim_rec(findings: Findings, name: str, number: int, line: str) -> None:
    if 'Version="0.93"' not in line or 'System="OP"' not in line:
        detail = (
            '<ClaimRec> ควรมี System="OP" และ Version="0.93"',
            '<ClaimRec> should carry System="OP" and Version="0.93"',
        )
        structure(findings, name, number, detail, WARNING)


def read_header(findings: Findings, name: str, lines: list[tuple[int, str]]) -> Header:
    header: Header = {}
    for number, text in lines:
        for element, value in _HEADER_ELEMENT.findall(text):
            header.setdefault(element.upper(), (value.strip(), number))
    first_line = lines[0][0]
    for element in HEADER_FIELDS:
        value, number = header.get(element.name, ("", first_line))
        check_value(findings, name, number, element, value)
    sessno, number = header.get("SESSNO", ("", first_line))
    if sessno.isdigit() and len(sessno) != 4:
        four = ("ตัวเลข 4 หลัก เช่น 0001", "4 digits, such as 0001")
        findings.add(WARNING, "format", name, number, "SESSNO", value=sessno, expected=four)
    return header


def check_checksum(
    findings: Findings, name: str, trailer: tuple[str, int] | None, tracker: ChecksumTracker
) -> None:
    if trailer is None:
        findings.add(ERROR, "checksum_missing", name)
        return
    text, number = trailer
    match = _CHECKSUM.search(text)
    if match is None:
        findings.add(ERROR, "checksum_missing", name, number)
        return
    stored = match.group(1)
    full, short = tracker.full.hexdigest().upper(), tracker.short.hexdigest().upper()
    if stored.upper() == short and short != full:
        findings.add(WARNING, "checksum_scope", name, number, "Checksum")
    elif stored.upper() != full:
        findings.add(ERROR, "checksum", name, number, "Checksum", expected=full)
        return
    if stored != stored.upper():
        findings.add(WARNING, "checksum_case", name, number, "Checksum", value=stored)


def check_headers_agree(findings: Findings, headers: dict[str, Header]) -> None:
    """HCODE and SESSNO belong to the batch: the same in all three files."""
    if not headers:
        return
    first, *others = headers
    other = (f"แฟ้ม {first}", f"that of {first}")
    for name in others:
        for element in ("HCODE", "SESSNO"):
            mine, theirs = headers[name].get(element), headers[first].get(element)
            if mine and theirs and mine[0] != theirs[0]:
                findings.add(
                    ERROR,
                    "header_mismatch",
                    name,
                    mine[1],
                    element,
                    found=mine[0],
                    expected=theirs[0],
                    other=other,
                )


def check_batch_name(findings: Findings, batch_name: str, is_zip: bool, header: Header) -> None:
    """`{HCODE}_SSOPBIL_{SESSNO}_{sub-unit}_{YYYYMMDD-HHMMSS}.zip` (SSOP-T §2, HX, LV and
    the NestJS exporter). A folder is judged only when it carries such a name."""
    if "_SSOPBIL_" not in batch_name.upper():
        if is_zip:
            findings.add(WARNING, "zip_name", batch_name)
        return
    match = _ZIP_NAME.fullmatch(batch_name)
    if match is None:
        findings.add(WARNING, "zip_name", batch_name)
        return
    hcode, sessno = match.group(1), match.group(2)
    if len(sessno) != 4:
        findings.add(WARNING, "zip_name", batch_name)
    if "SESSNO" in header and header["SESSNO"][0] != sessno:
        expected = header["SESSNO"][0]
        findings.add(
            ERROR, "session_mismatch", batch_name, None, "SESSNO", found=sessno, expected=expected
        )
    if "HCODE" in header and header["HCODE"][0] != hcode:
        other = ("HCODE ใน Header", "the header's HCODE")
        expected = header["HCODE"][0]
        findings.add(
            ERROR,
            "header_mismatch",
            batch_name,
            None,
            "HCODE",
            found=hcode,
            expected=expected,
            other=other,
        )


def check_file_name_date(findings: Findings, name: str) -> None:
    """`BILLTRAN<YYYYMMDD>.txt`: the real hospital batch in SSOP-T and the NestJS and
    Laravel exporters write a Christian-era date; a Buddhist-era one is a warning."""
    match = _FILE_NAME.fullmatch(name.upper())
    if match is None:
        return
    stamp = match.group(2)
    year, month, day = int(stamp[:4]), int(stamp[4:6]), int(stamp[6:])
    if is_date(year, month, day):
        return
    if is_date(year - 543, month, day):
        findings.add(WARNING, "file_name_date", name, value=stamp)
    else:
        date = ("วันที่ ปปปปดดวว", "date YYYYMMDD")
        findings.add(WARNING, "format", name, None, "file name", value=stamp, expected=date)

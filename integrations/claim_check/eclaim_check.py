"""Checking an e-Claim 16+1 batch against `eclaim_spec`.

Files are read parents first (INS, PAT, IPD, OPD, then the files that point at a visit),
so every cross-file key is a dict or set lookup against a table already built: the whole
check is one pass over each file, linear in the batch's size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from . import eclaim_spec as spec
from .batch import ASCII, UTF_8, UTF_8_BOM, LineReader, Member
from .codes import ECLAIM_CLINIC
from .fields import Column, Field, baht, cents, check_row, checked_columns
from .problems import ERROR, WARNING, Findings

#: Problems about the batch as a whole carry this as their file.
BATCH = "*"

_ICD9CM_WITH_DOT = re.compile(r"\d{2}\.\d{1,2}")
_CLINIC_5 = re.compile(r"[01]\d{4}")

Row = list[str]
Columns = dict[str, int]


class EclaimCheck:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self.encodings: dict[str, str] = {}
        self.names: dict[str, str] = {}  # "OPD" -> the member's own name, e.g. "OPD.txt"
        self.ins_seq: set[str] = set()
        self.ins_hn_without_seq: set[str] = set()
        self.pat_hn: dict[str, int] = {}
        self.ipd_an: set[str] = set()
        self.opd: dict[str, tuple[str, int]] = {}  # SEQ -> (HN, line)
        self.odx_seq: set[str] = set()
        self.principal_seq: set[str] = set()
        self.cht: dict[str, tuple[int, int]] = {}  # visit key -> (TOTAL in satang, line)
        self.cha_total: Counter[str] = Counter()
        self.cha_unsure: set[str] = set()  # visits with an unreadable CHA amount
        self.clinic_forms: Counter[str] = Counter()
        self._handlers: dict[str, Callable[[str, int, Row, Columns], None]] = {
            "INS": self._ins,
            "PAT": self._pat,
            "IPD": self._ipd,
            "OPD": self._opd,
            "ODX": self._odx,
            "CHT": self._cht,
            "CHA": self._cha,
            "ADP": self._adp,
        }

    # -- the batch -----------------------------------------------------------------------

    def run(self, members: dict[str, Member]) -> None:
        for file_spec in spec.FILES:
            member = members.get(file_spec.name)
            if member is not None:
                self.names[file_spec.name] = member.name
                self._file(file_spec, member)
            elif file_spec.name in spec.CORE_FILES:
                self.findings.add(ERROR, "missing_file", f"{file_spec.name}.txt")
            elif file_spec.name not in spec.OPTIONAL_FILES:
                self.findings.add(WARNING, "missing_file", f"{file_spec.name}.txt")
        self._visits_complete()
        self._charges_add_up()
        self._clinic_form_is_one()
        self._encodings_agree()

    def _file(self, file_spec: spec.FileSpec, member: Member) -> None:
        name = member.name
        reader = LineReader(member, self.findings)
        layout: tuple[Field, ...] = file_spec.fields
        columns: list[Column] = checked_columns(layout)
        index: Columns = {}
        handler = self._handlers.get(file_spec.name)
        blank_at = 0
        for number, text in reader:
            if number == 1:
                layout = self._layout(file_spec, name, text)
                columns = checked_columns(layout)
                index = {f.name: i for i, f in enumerate(layout)}
                continue
            if blank_at:  # a blank line followed by more lines: not just a final line end
                self.findings.add(
                    ERROR,
                    "field_count",
                    name,
                    blank_at,
                    found=0,
                    expected=len(layout),
                    section=name,
                )
                blank_at = 0
            if text == "":
                blank_at = number
                continue
            values = text.split("|")
            if len(values) != len(layout):
                self.findings.add(
                    ERROR,
                    "field_count",
                    name,
                    number,
                    found=len(values),
                    expected=len(layout),
                    section=name,
                )
                continue
            check_row(self.findings, name, number, columns, values)
            if "CLINIC" in index:
                self._clinic(name, number, values[index["CLINIC"]])
            if handler is not None:
                handler(name, number, values, index)
            if file_spec.name not in ("INS", "PAT", "IPD", "OPD"):
                self._belongs_to_a_visit(name, number, values, index)
        self.encodings[name] = reader.encoding
        if reader.encoding in (UTF_8, UTF_8_BOM):
            self.findings.add(WARNING, "encoding_utf8", name)

    def _layout(self, file_spec: spec.FileSpec, name: str, header: str) -> tuple[Field, ...]:
        """The layout the header line declares: the current one, an older one (warning),
        or, when it is neither, the current one (error) so rows are still counted."""
        if header == file_spec.header:
            return file_spec.fields
        names = header.split("|")
        for older in file_spec.older:
            if list(older) == names:
                self.findings.add(
                    WARNING, "header_old", name, 1, found=len(names), expected=len(file_spec.fields)
                )
                return tuple(file_spec.field(n) for n in names)
        self.findings.add(ERROR, "header", name, 1, value=header[:300], expected=file_spec.header)
        return file_spec.fields

    # -- one row of one file -------------------------------------------------------------

    def _ins(self, name: str, line: int, row: Row, col: Columns) -> None:
        seq = row[col["SEQ"]] if "SEQ" in col else ""
        if seq:
            self.ins_seq.add(seq)
        else:
            self.ins_hn_without_seq.add(row[col["HN"]])

    def _pat(self, name: str, line: int, row: Row, col: Columns) -> None:
        hn = row[col["HN"]]
        first = self.pat_hn.setdefault(hn, line)
        if first != line:
            self.findings.add(WARNING, "duplicate_key", name, line, "HN", first=first)

    def _ipd(self, name: str, line: int, row: Row, col: Columns) -> None:
        self.ipd_an.add(row[col["AN"]])

    def _opd(self, name: str, line: int, row: Row, col: Columns) -> None:
        seq, hn = row[col["SEQ"]], row[col["HN"]]
        if not seq:
            return
        if seq in self.opd:
            self.findings.add(
                ERROR, "duplicate_key", name, line, "SEQ", value=seq, first=self.opd[seq][1]
            )
            return
        self.opd[seq] = (hn, line)
        if seq not in self.ins_seq:
            if hn in self.ins_hn_without_seq:
                self.findings.add(
                    WARNING, "link_by_hn_only", name, line, "SEQ", value=seq, key=seq, target="INS"
                )
            else:
                self.findings.add(
                    ERROR, "missing_link", name, line, "SEQ", value=seq, key=seq, target="INS"
                )
        if hn not in self.pat_hn:
            self.findings.add(ERROR, "missing_link", name, line, "HN", key=seq, target="PAT")

    def _odx(self, name: str, line: int, row: Row, col: Columns) -> None:
        seq = row[col["SEQ"]]
        self.odx_seq.add(seq)
        if row[col["DXTYPE"]] == "1":
            self.principal_seq.add(seq)

    def _visit_key(self, row: Row, col: Columns) -> str:
        an = row[col["AN"]] if "AN" in col else ""
        return an or row[col["SEQ"]]

    def _cht(self, name: str, line: int, row: Row, col: Columns) -> None:
        total = cents(row[col["TOTAL"]])
        if total is not None:
            self.cht[self._visit_key(row, col)] = (total, line)

    def _cha(self, name: str, line: int, row: Row, col: Columns) -> None:
        key, amount = self._visit_key(row, col), cents(row[col["AMOUNT"]])
        if amount is None:
            self.cha_unsure.add(key)
        else:
            self.cha_total[key] += amount

    def _adp(self, name: str, line: int, row: Row, col: Columns) -> None:
        code = row[col["CODE"]]
        # ADP takes NHSO item codes; a procedure (ICD-9-CM, e.g. 93.57) belongs in OOP.
        if _ICD9CM_WITH_DOT.fullmatch(code):
            self.findings.add(ERROR, "adp_icd9", name, line, "CODE", value=code)

    def _clinic(self, name: str, line: int, clinic: str) -> None:
        if clinic in ECLAIM_CLINIC.codes:
            self.clinic_forms["2"] += 1
        elif _CLINIC_5.fullmatch(clinic) and clinic[1:3] in ECLAIM_CLINIC.codes:
            self.clinic_forms["5"] += 1
        elif clinic:
            self.findings.add(WARNING, "clinic_format", name, line, "CLINIC", value=clinic)

    def _belongs_to_a_visit(self, name: str, line: int, row: Row, col: Columns) -> None:
        """A row of a child file points at an admission (AN) in IPD or a visit (SEQ) in
        OPD, and carries the same HN as that visit."""
        an = row[col["AN"]] if "AN" in col else ""
        if an:
            if an not in self.ipd_an:
                self.findings.add(ERROR, "orphan", name, line, "AN", value=an, target="IPD")
            return
        seq = row[col["SEQ"]] if "SEQ" in col else ""
        if not seq:
            return
        visit = self.opd.get(seq)
        if visit is None:
            self.findings.add(ERROR, "orphan", name, line, "SEQ", value=seq, target="OPD")
        elif "HN" in col and row[col["HN"]] != visit[0]:
            self.findings.add(ERROR, "hn_mismatch", name, line, "HN", target="OPD")

    # -- the batch, after every file -----------------------------------------------------

    def _visits_complete(self) -> None:
        opd = self.names.get("OPD", "OPD.txt")
        for seq, (_hn, line) in self.opd.items():
            if seq not in self.odx_seq:
                self.findings.add(WARNING, "no_diagnosis", opd, line, "SEQ", value=seq, key=seq)
            elif seq not in self.principal_seq:
                self.findings.add(WARNING, "no_principal_dx", opd, line, "SEQ", value=seq, key=seq)
            if self.cht and seq not in self.cht:
                self.findings.add(
                    WARNING, "missing_link", opd, line, "SEQ", value=seq, key=seq, target="CHT"
                )

    def _charges_add_up(self) -> None:
        """CHT.TOTAL against the sum of the visit's CHA.AMOUNT. No source states this
        rule; the generators build both from the same items, so a gap is a warning."""
        for key, (total, line) in self.cht.items():
            if key in self.cha_unsure:
                continue
            added = self.cha_total.get(key, 0)
            if added != total:
                self.findings.add(
                    WARNING,
                    "sum_mismatch",
                    self.names.get("CHT", "CHT.txt"),
                    line,
                    "TOTAL",
                    found=baht(total),
                    expected=baht(added),
                    what=("AMOUNT ในแฟ้ม CHA ของครั้งบริการเดียวกัน", "CHA AMOUNT of the same visit"),
                )

    def _clinic_form_is_one(self) -> None:
        if self.clinic_forms["2"] and self.clinic_forms["5"]:
            self.findings.add(
                WARNING,
                "clinic_mixed",
                BATCH,
                field="CLINIC",
                two=self.clinic_forms["2"],
                five=self.clinic_forms["5"],
            )

    def _encodings_agree(self) -> None:
        found = sorted({e for e in self.encodings.values() if e != ASCII})
        if len(found) > 1:
            self.findings.add(WARNING, "encoding_mixed", BATCH, found=", ".join(found))

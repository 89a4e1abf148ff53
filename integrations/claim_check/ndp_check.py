"""Checking an NHSO Digital Platform (13-file) batch against `ndp_spec`.

Files are read parents first (Patient, Provider, Practitioner, OPD, Diagnosis, CHA,
then CHAD, whose INVOICE_NO points into CHA), so every cross-file rule is a lookup in
a table already built: one streaming pass per file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import ndp_spec as spec
from .batch import ASCII, LineReader, Member
from .fields import Column, Field, baht, cents, check_row, checked_columns
from .problems import ERROR, WARNING, Findings

#: Problems about the batch as a whole carry this as their file.
BATCH = "*"
#: CHA before CHAD: CHAD's INVOICE_NO must name a CHA invoice (ERR R117).
ORDER = (1, 2, 3, 4, 5, 8, 7)
#: Rows that may appear once per key (ERR S109-S113; Patient and OPD by their nature).
UNIQUE: dict[int, tuple[str, ...]] = {
    1: ("SEQ", "TYPE", "CID"),
    2: ("SEQ",),
    3: ("SEQ", "HCODE", "CID"),
    4: ("SEQ",),
    5: ("SEQ", "DATEDX", "DIAG"),
    7: ("SEQ", "STDCODE", "INVOICE_NO", "CODESYS"),
    8: ("SEQ", "DATE", "CHRGITEM", "INVOICE_NO"),
}
#: Every visit must be in these files (ERR S104, R100).
VISIT_FILES = (1, 2, 4)
_CENT = Decimal("0.01")

Row = list[str]
Columns = dict[str, int]


class NdpCheck:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self.encodings: dict[str, str] = {}
        self.names: dict[int, str] = {}
        self.seqs: dict[int, set[str]] = defaultdict(set)
        self.first_seen: dict[str, tuple[str, int]] = {}  # SEQ -> (file, line)
        self.keys: dict[int, dict[tuple[str, ...], int]] = defaultdict(dict)
        self.provider_hcode: dict[str, str] = {}
        self.principal: Counter[str] = Counter()
        self.opd_line: dict[str, int] = {}
        self.invoices: set[tuple[str, str]] = set()

    def run(self, members: dict[int, Member]) -> None:
        for number in ORDER:
            file_spec = spec.BY_NUMBER[number]
            member = members.get(number)
            if member is not None:
                self.names[number] = member.name
                self._file(file_spec, member)
            else:
                severity = ERROR if file_spec.core else WARNING
                self.findings.add(severity, "missing_file", _display(file_spec))
        for number, member in sorted(members.items()):
            if spec.BY_NUMBER[number].fields is None:
                self.findings.add(
                    WARNING, "ndp_not_public", member.name, number=number,
                    title=spec.BY_NUMBER[number].name,
                )  # fmt: skip
        self._visits_complete()
        self._one_principal_diagnosis()
        found = sorted({e for e in self.encodings.values() if e != ASCII})
        if len(found) > 1:
            self.findings.add(WARNING, "encoding_mixed", BATCH, found=", ".join(found))

    # -- one file ----------------------------------------------------------------------------

    def _file(self, file_spec: spec.NdpFileSpec, member: Member) -> None:
        name = member.name
        reader = LineReader(member, self.findings)
        layout: tuple[Field, ...] = file_spec.fields or ()
        columns: list[Column] = []
        index: Columns = {}
        for number, text in reader:
            if number == 1:
                layout = self._layout(file_spec, name, text)
                columns = checked_columns(layout)
                index = {f.name: i for i, f in enumerate(layout)}
                continue
            if text == "":
                continue
            values = text.split("|")
            if len(values) != len(layout):
                self.findings.add(
                    ERROR, "field_count", name, number, found=len(values),
                    expected=len(layout), section=name,
                )  # fmt: skip
                continue
            check_row(self.findings, name, number, columns, values)
            self._row(file_spec.number, name, number, values, index)
        self.encodings[name] = reader.encoding

    def _layout(self, file_spec: spec.NdpFileSpec, name: str, header: str) -> tuple[Field, ...]:
        fields = file_spec.fields or ()
        if header == file_spec.header:
            return fields
        names = header.split("|")
        for variant in file_spec.variants:
            if list(variant) == names:
                self.findings.add(WARNING, "header_variant", name, 1, found=len(names))
                return tuple(file_spec.field(n) for n in names)
        self.findings.add(ERROR, "header", name, 1, value=header[:300], expected=file_spec.header)
        return fields

    def _row(self, number: int, name: str, line: int, row: Row, col: Columns) -> None:
        seq = row[col["SEQ"]] if "SEQ" in col else ""
        if not seq:
            return
        self.seqs[number].add(seq)
        self.first_seen.setdefault(seq, (name, line))
        key = tuple(row[col[k]] if k in col else "" for k in UNIQUE[number])
        first = self.keys[number].setdefault(key, line)
        if first != line:
            self.findings.add(ERROR, "duplicate_key", name, line, "SEQ", value=seq, first=first)
            return
        if number == 2:
            self.provider_hcode.setdefault(seq, row[col["HCODE"]])
        elif number == 3:
            self._practitioner(name, line, seq, row, col)
        elif number == 4:
            self.opd_line[seq] = line
            self._blood_pressure(name, line, row, col)
        elif number == 5 and row[col["DIAGTYPE"]] == "1":
            self.principal[seq] += 1
        elif number == 8:
            self.invoices.add((seq, row[col["INVOICE_NO"]]))
        elif number == 7:
            self._charge_item(name, line, seq, row, col)

    def _practitioner(self, name: str, line: int, seq: str, row: Row, col: Columns) -> None:
        """ERR R107-R109: the Practitioner's HCODE is the Provider's, visit by visit."""
        provider = self.provider_hcode.get(seq)
        if provider is not None and row[col["HCODE"]] != provider:
            self.findings.add(ERROR, "ndp_hcode_mismatch", name, line, "HCODE", value=seq)

    def _blood_pressure(self, name: str, line: int, row: Row, col: Columns) -> None:
        """ERR R101/R102: the upper and lower pressure come together or not at all."""
        sbp, dbp = row[col["SBP"]], row[col["DBP"]]
        if bool(sbp) != bool(dbp):
            self.findings.add(ERROR, "bp_pair", name, line, "DBP" if sbp else "SBP")

    def _charge_item(self, name: str, line: int, seq: str, row: Row, col: Columns) -> None:
        if (seq, row[col["INVOICE_NO"]]) not in self.invoices and 8 in self.names:
            self.findings.add(
                ERROR, "orphan", name, line, "INVOICE_NO", value=row[col["INVOICE_NO"]],
                target=self.names[8],
            )  # fmt: skip
        try:
            qty = Decimal(row[col["QTY"]])
            price = Decimal(row[col["UNITPRICE"]])
        except InvalidOperation:
            return  # already a format error
        if qty <= 0:  # ERR P119
            self.findings.add(ERROR, "ndp_not_positive", name, line, "QTY", value=row[col["QTY"]])
        charged = cents(row[col["CHARGEAMT"]])
        expected = int((qty * price).quantize(_CENT, rounding=ROUND_HALF_UP) * 100)
        if charged is not None and charged != expected:  # ERR R118
            self.findings.add(
                ERROR, "product_mismatch", name, line, "CHARGEAMT", found=baht(charged),
                expected=baht(expected), what=("QTY × UNITPRICE", "QTY × UNITPRICE"),
            )  # fmt: skip

    # -- the batch, after every file -----------------------------------------------------------

    def _visits_complete(self) -> None:
        """Every visit named anywhere is in Patient, Provider and OPD (ERR S104, R100)."""
        for seq, (name, line) in sorted(self.first_seen.items(), key=lambda kv: kv[1]):
            for number in VISIT_FILES:
                if number in self.names and seq not in self.seqs[number]:
                    self.findings.add(
                        ERROR, "missing_link", name, line, "SEQ", value=seq, key=seq,
                        target=self.names[number],
                    )  # fmt: skip

    def _one_principal_diagnosis(self) -> None:
        """ERR P118: one principal diagnosis (DIAGTYPE 1) per visit, no more, no less."""
        if 5 not in self.names:
            return
        opd = self.names.get(4, "OPD")
        for seq, line in self.opd_line.items():
            found = self.principal.get(seq, 0)
            if found != 1:
                self.findings.add(
                    ERROR, "ndp_principal_dx", opd, line, "SEQ", value=seq, key=seq, found=found
                )


def _display(file_spec: spec.NdpFileSpec) -> str:
    return f"{file_spec.number:02d}_{file_spec.name}.txt"

"""Checking an SSOP 0.93 batch against `ssop_spec`: rows, keys between files, and sums.

Each file is read once: the wrapper is followed line by line (`ssop_wrapper`), rows are
checked field by field, and the checksum is hashed on the way. Files are read BILLTRAN,
OPServices, BILLDISP, so an InvNo or SvID is always looked up in a table already built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import ssop_spec as spec
from . import ssop_wrapper as wrapper
from .batch import UTF_8, UTF_8_BOM, LineReader, Member
from .fields import Column, baht, cents, check_row, checked_columns
from .messages import Bi
from .problems import ERROR, WARNING, Findings

# NHSO claim codes (Authen) are PP/EP followed by digits; an SSO approval code is not.
_NHSO_CLAIM_CODE_PREFIXES = ("PP", "EP")

#: The sections whose rows RECCOUNT counts.
_MAIN_TAGS = frozenset(f.main.tag for f in spec.FILES)

#: A parent's total against the sum of its children: (parent field, child field, wording).
#: BILLTRAN Amount/ClaimAmt are sums of BillItems (SSOP-T §5; the public SSOP editor of
#: REF §8 fixes exactly this, rejection codes A04/T33/T45); a Dispensing's ChargeAmt and
#: ClaimAmt are sums of its DispensedItems (SSOP-T §7 "รวมราคาจำหน่าย", "รวมค่ายาเบิกได้").
_SUM_RULES: dict[str, tuple[tuple[str, str, Bi], ...]] = {
    "BillItems": (
        (
            "Amount",
            "ChargeAmt",
            ("ChargeAmt ของ BillItems ในใบแจ้งหนี้เดียวกัน", "the invoice's BillItems ChargeAmt"),
        ),
        (
            "ClaimAmt",
            "ClaimAmount",
            ("ClaimAmount ของ BillItems ในใบแจ้งหนี้เดียวกัน", "the invoice's BillItems ClaimAmount"),
        ),
    ),
    "DispensedItems": (
        (
            "ChargeAmt",
            "ChargeAmt",
            (
                "ChargeAmt ของ DispensedItems ในใบสั่งยาเดียวกัน",
                "the dispensing's DispensedItems ChargeAmt",
            ),
        ),
        (
            "ClaimAmt",
            "ReimbAmt",
            (
                "ReimbAmt ของ DispensedItems ในใบสั่งยาเดียวกัน",
                "the dispensing's DispensedItems ReimbAmt",
            ),
        ),
    ),
}


@dataclass(frozen=True)
class At:
    """Where a row stands: its file and its 1-based line."""

    file: str
    line: int


@dataclass
class _Parent:
    """What a parent row (BILLTRAN, Dispensing) promised, and what its children added up to."""

    line: int
    totals: tuple[int | None, int | None]  # in satang
    count: int | None = None  # Itemcnt, for a Dispensing
    sums: list[int] = field(default_factory=lambda: [0, 0])
    children: int = 0
    unsure: bool = False  # a child amount could not be read: no sum check


@dataclass
class _FileState:
    name: str
    header: wrapper.Header = field(default_factory=dict)
    main_rows: int = 0
    sections_seen: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # sections with a row of the wrong width
    trailer: tuple[str, int] | None = None
    closed: bool = False


class SsopCheck:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self.encodings: dict[str, str] = {}
        self.headers: dict[str, wrapper.Header] = {}
        self.invoices: dict[str, _Parent] | None = None  # BILLTRAN InvNo; None: no BILLTRAN
        self.services: dict[str, int] | None = None  # OPServices SvID -> line
        self.dispensings: dict[str, _Parent] = {}
        self.bill_refs: dict[str, At] = {}  # BillItems SvRefID -> first place seen
        self._rows: dict[str, Callable[[At, list[str]], None]] = {
            "BILLTRAN": self._billtran,
            "BillItems": self._bill_item,
            "OPServices": self._service,
            "OPDx": self._diagnosis,
            "Dispensing": self._dispensing,
            "DispensedItems": self._dispensed_item,
        }

    def run(self, members: dict[str, Member], batch_name: str, is_zip: bool) -> None:
        for ssop_file in spec.FILES:
            member = members.get(ssop_file.stem)
            if member is None:
                self.findings.add(ERROR, "missing_file", f"{ssop_file.stem}<YYYYMMDD>.txt")
                continue
            self._file(ssop_file, member)
        self._references_resolve()
        wrapper.check_headers_agree(self.findings, self.headers)
        first_header = next(iter(self.headers.values()), {})
        wrapper.check_batch_name(self.findings, batch_name, is_zip, first_header)

    # -- one file ------------------------------------------------------------------------

    def _file(self, ssop_file: spec.SsopFile, member: Member) -> None:
        name = member.name
        wrapper.check_file_name_date(self.findings, name)
        tracker = wrapper.ChecksumTracker()
        reader = LineReader(member, self.findings, raw_hook=tracker.feed)
        state = _FileState(name)
        sections = {s.tag.lower(): s for s in (ssop_file.main, ssop_file.items)}
        columns = {s.tag: checked_columns(s.fields) for s in sections.values()}
        section: spec.Section | None = None
        header_lines: list[tuple[int, str]] = []
        for number, text in reader:
            line = text.strip()
            if "<?EndNote" in line:
                line, trailer = line.split("<?EndNote", 1)
                state.trailer = ("<?EndNote" + trailer, number)
                line = line.strip()
                if not line:
                    continue
            if number == 1:
                wrapper.check_declaration(self.findings, name, line)
            elif section is not None:
                if line.lower() == f"</{section.tag.lower()}>":
                    section = None
                else:
                    self._row(state, section, columns[section.tag], At(name, number), line)
            elif header_lines or line.startswith("<Header>"):
                header_lines.append((number, line))
                if "</Header>" in line:
                    state.header = wrapper.read_header(self.findings, name, header_lines)
                    header_lines = []
            elif line.startswith("<ClaimRec"):
                wrapper.check_claim_rec(self.findings, name, number, line)
            elif line == "</ClaimRec>":
                state.closed = True
            elif line.startswith("<") and line.endswith(">") and line[1:-1].lower() in sections:
                section = sections[line[1:-1].lower()]
                state.sections_seen.append(section.tag)
            elif line:
                outside = ("บรรทัดนี้อยู่นอกทุกส่วนของแฟ้ม", "this line is outside every section")
                wrapper.structure(self.findings, name, number, outside)
        self.encodings[name] = reader.encoding
        if reader.encoding in (UTF_8, UTF_8_BOM):
            self.findings.add(ERROR, "encoding_ssop", name, found=reader.encoding)
        self._wrapper_complete(state, ssop_file)
        wrapper.check_checksum(self.findings, name, state.trailer, tracker)
        self.headers[name] = state.header
        if ssop_file.items.tag not in state.broken:  # skipped rows would make false sums
            self._sums_add_up(name, ssop_file.items.tag)

    def _wrapper_complete(self, state: _FileState, ssop_file: spec.SsopFile) -> None:
        name = state.name
        if not state.header:
            wrapper.structure(
                self.findings, name, None, ("ไม่มีส่วน <Header>", "there is no <Header>")
            )
        for tag in (ssop_file.main.tag, ssop_file.items.tag):
            if tag not in state.sections_seen:
                missing = (f"ไม่มีส่วน <{tag}>", f"there is no <{tag}> section")
                wrapper.structure(self.findings, name, None, missing)
        if not state.closed:
            closing = ("ไม่มีบรรทัดปิด </ClaimRec>", "there is no closing </ClaimRec>")
            wrapper.structure(self.findings, name, None, closing)
        count = state.header.get("RECCOUNT")
        if count is not None and count[0].isdigit() and int(count[0]) != state.main_rows:
            tag = ssop_file.main.tag
            self.findings.add(
                ERROR,
                "count_mismatch",
                name,
                count[1],
                "RECCOUNT",
                found=count[0],
                expected=state.main_rows,
                what=(f"รายการใน <{tag}>", f"<{tag}> rows"),
            )

    def _row(
        self,
        state: _FileState,
        section: spec.Section,
        columns: list[Column],
        at: At,
        line: str,
    ) -> None:
        values = line.split("|")
        if section.tag in _MAIN_TAGS:
            state.main_rows += 1
        if len(values) != len(section.fields):
            state.broken.add(section.tag)
            self.findings.add(
                ERROR,
                "field_count",
                at.file,
                at.line,
                found=len(values),
                expected=len(section.fields),
                section=f"<{section.tag}>",
            )
            return
        check_row(self.findings, at.file, at.line, columns, values)
        self._rows[section.tag](at, values)

    # -- rows of each section ------------------------------------------------------------

    def _billtran(self, at: At, row: list[str]) -> None:
        col = spec.BILLTRAN.index
        if self.invoices is None:
            self.invoices = {}
        auth = row[col("AuthCode")]
        if auth.startswith(_NHSO_CLAIM_CODE_PREFIXES) and auth[2:].isdigit():
            self.findings.add(WARNING, "authcode_nhso", at.file, at.line, "AuthCode", value=auth)
        totals = (cents(row[col("Amount")]), cents(row[col("ClaimAmt")]))
        self._new_parent(self.invoices, at, "InvNo", row[col("InvNo")], _Parent(at.line, totals))

    def _bill_item(self, at: At, row: list[str]) -> None:
        col = spec.BILL_ITEMS.index
        charge, claim = cents(row[col("ChargeAmt")]), cents(row[col("ClaimAmount")])
        self._add_child(
            self.invoices, at, ("InvNo", row[col("InvNo")], "BILLTRAN"), (charge, claim)
        )
        qty = row[col("QTY")]
        self._product(at, ("ChargeAmt", charge), qty, row[col("UP")], "QTY × UP")
        self._product(at, ("ClaimAmount", claim), qty, row[col("ClaimUP")], "QTY × ClaimUP")
        ref = row[col("SvRefID")]
        if ref:
            self.bill_refs.setdefault(ref, at)

    def _service(self, at: At, row: list[str]) -> None:
        col = spec.OP_SERVICES.index
        if self.services is None:
            self.services = {}
        self._known(self.invoices, at, ("InvNo", row[col("InvNo")], "BILLTRAN"))
        svid = row[col("SvID")]
        first = self.services.setdefault(svid, at.line)
        if first != at.line:
            self.findings.add(
                ERROR, "duplicate_key", at.file, at.line, "SvID", value=svid, first=first
            )

    def _diagnosis(self, at: At, row: list[str]) -> None:
        self._known(self.services, at, ("SvID", row[spec.OP_DX.index("SvID")], "OPServices"))

    def _dispensing(self, at: At, row: list[str]) -> None:
        col = spec.DISPENSING.index
        self._known(self.invoices, at, ("InvNo", row[col("InvNo")], "BILLTRAN"))
        svid = row[col("SvID")]
        if svid and self.services is not None and svid not in self.services:
            self.findings.add(
                WARNING, "orphan", at.file, at.line, "SvID", value=svid, target="OPServices"
            )
        itemcnt = row[col("Itemcnt")]
        parent = _Parent(
            at.line,
            (cents(row[col("ChargeAmt")]), cents(row[col("ClaimAmt")])),
            int(itemcnt) if itemcnt.isdigit() else None,
        )
        self._new_parent(self.dispensings, at, "DispID", row[col("DispID")], parent)

    def _dispensed_item(self, at: At, row: list[str]) -> None:
        col = spec.DISPENSED_ITEMS.index
        charge, reimb = cents(row[col("ChargeAmt")]), cents(row[col("ReimbAmt")])
        self._add_child(
            self.dispensings, at, ("DispID", row[col("DispID")], "Dispensing"), (charge, reimb)
        )
        qty = row[col("Quantity")]
        self._product(at, ("ChargeAmt", charge), qty, row[col("UnitPrice")], "Quantity × UnitPrice")
        self._product(at, ("ReimbAmt", reimb), qty, row[col("ReimbPrice")], "Quantity × ReimbPrice")

    # -- keys and sums -------------------------------------------------------------------

    def _new_parent(
        self, table: dict[str, _Parent], at: At, key_field: str, key: str, parent: _Parent
    ) -> None:
        if key in table:
            first = table[key].line
            self.findings.add(
                ERROR, "duplicate_key", at.file, at.line, key_field, value=key, first=first
            )
        else:
            table[key] = parent

    def _known(
        self, table: dict[str, _Parent] | dict[str, int] | None, at: At, link: tuple[str, str, str]
    ) -> bool:
        """`link` is (field, key, parent section). No table: the parent file is missing,
        which is reported once already."""
        key_field, key, target = link
        if table is None or key in table:
            return True
        self.findings.add(ERROR, "orphan", at.file, at.line, key_field, value=key, target=target)
        return False

    def _add_child(
        self,
        table: dict[str, _Parent] | None,
        at: At,
        link: tuple[str, str, str],
        amounts: tuple[int | None, int | None],
    ) -> None:
        if table is None or not self._known(table, at, link):
            return
        parent = table[link[1]]
        parent.children += 1
        if amounts[0] is None or amounts[1] is None:
            parent.unsure = True
            return
        parent.sums[0] += amounts[0]
        parent.sums[1] += amounts[1]

    def _product(
        self, at: At, total: tuple[str, int | None], qty: str, price: str, what: str
    ) -> None:
        """A line total against quantity × unit price; a warning, since no source gives
        the rounding rule."""
        field_name, amount = total
        unit = cents(price)
        if amount is None or unit is None:
            return
        try:
            expected = int((Decimal(qty) * unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except InvalidOperation:
            return
        if expected != amount:
            self.findings.add(
                WARNING,
                "product_mismatch",
                at.file,
                at.line,
                field_name,
                found=baht(amount),
                expected=baht(expected),
                what=what,
            )

    def _sums_add_up(self, name: str, items_tag: str) -> None:
        rules = _SUM_RULES.get(items_tag)
        table = self.invoices if items_tag == "BillItems" else self.dispensings
        if rules is None or table is None:
            return
        for parent in table.values():
            if parent.unsure:
                continue
            for i, (parent_field, _child_field, what) in enumerate(rules):
                promised = parent.totals[i]
                if promised is not None and promised != parent.sums[i]:
                    self.findings.add(
                        ERROR,
                        "sum_mismatch",
                        name,
                        parent.line,
                        parent_field,
                        found=baht(promised),
                        expected=baht(parent.sums[i]),
                        what=what,
                    )
            if parent.count is not None and parent.count != parent.children:
                self.findings.add(
                    ERROR,
                    "count_mismatch",
                    name,
                    parent.line,
                    "Itemcnt",
                    found=parent.count,
                    expected=parent.children,
                    what=(
                        "รายการใน DispensedItems ของใบสั่งยานี้",
                        "this dispensing's DispensedItems rows",
                    ),
                )

    def _references_resolve(self) -> None:
        """BillItems.SvRefID points at a DispID (drugs, supplies) or an SvID (services);
        SSOP-T lets it stay empty for lab items, so a dangling one is a warning."""
        if not self.dispensings and not self.services:
            return
        known = set(self.dispensings) | set(self.services or {})
        for ref, at in self.bill_refs.items():
            if ref not in known:
                self.findings.add(
                    WARNING,
                    "orphan",
                    at.file,
                    at.line,
                    "SvRefID",
                    value=ref,
                    target="Dispensing / OPServices",
                )

"""The reminder PDF on MariaDB (utf8 and tis620): the CLI writes both copies, the pages
are rendered with poppler (``pdftoppm``, kept for a person to look at) and read back as
text (``pdftotext``): the staff copy shows house number, phone and guardian, the
volunteer's copy hides them."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.cli import main
from backoffice.testing import make_deps
from integrations.jhcis.engine import open_engine
from integrations.jhcis.synth_cases import seed_known_appointments
from tests.signed_in import signed_in
from tests.unit.reminders.pdf_family import GUARDIAN_OF_1, HOUSE_NO, add_family

pytestmark = pytest.mark.integration
PAGES = Path(__file__).resolve().parents[3] / "var" / "test" / "reminders-pdf"


@pytest.fixture(scope="module", params=["utf8", "tis620"])
def db(request: pytest.FixtureRequest, _module_mariadb_databases) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = _module_mariadb_databases.jhcis(request.param, persons=120, visits=200)
    engine = open_engine(url)
    seed_known_appointments(engine)
    add_family(engine)  # ALTER TABLE person ADD mother/father: this test's own database
    engine.dispose()
    yield url, request.param


def _pdf(db: tuple[str, str], out: Path, *more: str) -> str:
    url, charset = db
    args = ["reminders", "pdf", "--db", url, "--date", "2027-03-01", "--days", "30"]
    assert main([*args, "--out", str(out), *more]) == 0
    PAGES.mkdir(parents=True, exist_ok=True)
    png = PAGES / f"{out.stem}-{charset}"
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(out), str(png)], check=True)
    done = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    )
    # pdftotext puts a space after some shaped Thai glyphs (สำ เนา): compare without any.
    return "".join(done.stdout.split())


def _squashed(*needles: str) -> list[str]:
    return ["".join(n.split()) for n in needles]


def test_staff_copy_shows_contact_details(db: tuple[str, str], tmp_path: Path) -> None:
    text = _pdf(db, tmp_path / "staff.pdf")
    for shown in _squashed(
        "บ้านเลขที่", "หมู่", "โทรศัพท์", "ผู้ปกครอง", HOUSE_NO, "0812345671", GUARDIAN_OF_1,
        "มาลี", "สมหมาย รักดี",  # JHCIS's mother, else father (tis620 text too)
        "2 มี.ค. 2570",
    ):  # fmt: skip
        assert shown in text
    assert "ไม่ควรแสดง" not in text  # the stale guardian row and the adult's mother
    assert "สำเนาสำหรับอสม." not in text


def test_volunteer_copy_masks_them(db: tuple[str, str], tmp_path: Path) -> None:
    text = _pdf(db, tmp_path / "volunteer.pdf", "--copy", "volunteer")
    assert "สำเนาสำหรับอสม." in text
    assert HOUSE_NO not in text and "0812345671" not in text and "รักดี" not in text
    assert "xxx-xxx-5671" in text and "•••" in text
    assert GUARDIAN_OF_1.split()[1] not in text  # the guardian's surname
    assert "นางสมศรีใ•••" in text  # first name kept, as common.cid.mask_name does


def test_page_offers_the_volunteer_copy(db: tuple[str, str], tmp_path: Path) -> None:
    deps = make_deps(db[0], tmp_path / "web", clock=lambda: dt.datetime(2027, 3, 1, 10))
    try:
        client = signed_in(deps, "t_staff")
        page = client.get("/reminders?date=2027-03-01&days=30").text
        assert "copy=volunteer" in page and "สำเนาสำหรับ อสม." in page
        pdf = client.get("/reminders/due.pdf?date=2027-03-01&days=30&copy=volunteer")
        assert pdf.status_code == 200 and "volunteer" in pdf.headers["content-disposition"]
        out = tmp_path / "web.pdf"
        out.write_bytes(pdf.content)
        done = subprocess.run(
            ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True
        )
        text = "".join(done.stdout.split())
        assert "xxx-xxx-5671" in text and "0812345671" not in text
        assert client.get("/reminders/due.pdf?copy=everyone").status_code == 400
    finally:
        deps.clinic.dispose()

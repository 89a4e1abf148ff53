"""Issue 23's done-when: the README and the guides say plainly what has never been run
against the real services (MOPH-PHR, NHSO's Digital Platform, MOPH IC) and what a
clinic must obtain first. These statements are what a clinic reads before trusting a
send: a rewrite that drops one fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def readme_row(title: str) -> str:
    rows = [line for line in text("README.md").splitlines() if line.startswith(f"| {title}")]
    assert len(rows) == 1, title
    return rows[0]


@pytest.mark.parametrize(
    ("title", "never", "obtain"),
    [
        ("13-file claims to NHSO's Digital Platform", "never run against the real NDP",
         ("Source ID", "public key", "Token Mobile", "submit endpoint", "files 6 and 9-13")),
        ("Visits to MOPH-PHR", "never run against the real MOPH-PHR",
         ("MOPH Account Center", "MOPH_PHR_HIE")),
        ("Vaccine appointments and reminders", "never run against the real MOPH IC", ()),
    ],
)  # fmt: skip
def test_the_readme_says_never_run_and_what_to_obtain(
    title: str, never: str, obtain: tuple[str, ...]
) -> None:
    row = readme_row(title)
    assert never in row
    for thing in obtain:
        assert thing in row, thing


@pytest.mark.parametrize(
    ("path", "never", "obtain"),
    [
        ("backoffice/ndp/README.md", "Never run against the real NDP",
         ("ndp.source_id", "ndp_source_id_key", "ndp.public_key_file", "ndp_client_secret",
          "the submit endpoint", "API Specification 13Plus")),
        ("backoffice/phr/README.md", "Never run against the real MOPH-PHR",
         ("What a clinic must obtain", "MOPH Account Center", "MOPH_PHR_HIE")),
        ("backoffice/reminders/README.md", "Never run against the real MOPH IC",
         ("IMMUNIZATION_VIEW", "IMMUNIZATION_UPDATE")),
    ],
)  # fmt: skip
def test_each_rooms_guide_says_it(path: str, never: str, obtain: tuple[str, ...]) -> None:
    guide = text(path)
    assert never in guide
    for thing in obtain:
        assert thing in guide, thing


def test_the_thai_guide_for_the_clinics_it_staff_says_it() -> None:
    guide = text("image-build/README.th.md")
    missing = guide.split("## 9.", 1)[1]  # "what is not done or not tested"
    assert "ยังไม่เคยส่งถึงระบบจริง" in missing
    for thing in (
        "MOPH-PHR",
        "NHSO Digital Platform",
        "MOPH IC",
        "MOPH_PHR_HIE",
        "IMMUNIZATION_VIEW",
        "Source ID",
        "Token Mobile",
        "API Specification 13Plus",
    ):
        assert thing in missing, thing  # fmt: skip

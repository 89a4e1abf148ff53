"""`python -m hardware.printer` decode and test-ticket, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from hardware.printer import build_job, render_ticket, sample_ticket
from hardware.printer.__main__ import main


def test_decode_turns_a_job_into_the_ticket_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = render_ticket(sample_ticket(), 384)
    job = tmp_path / "job.bin"
    job.write_bytes(build_job(image, 384))
    out = tmp_path / "out.png"
    assert main(["decode", str(job), "--png", str(out), "--width", "384"]) == 0
    assert f"{image.width}x{image.height}" in capsys.readouterr().out
    decoded = Image.open(out)
    diff = ImageChops.difference(decoded.convert("L"), image.convert("L"))
    assert decoded.size == image.size and diff.getbbox() is None


def test_decode_reports_jobs_without_an_image_and_bad_files(tmp_path: Path) -> None:
    text_only = tmp_path / "text.bin"
    text_only.write_bytes(b"\x1b@hello\n\x1dV\x00")
    assert main(["decode", str(text_only), "--png", str(tmp_path / "x.png")]) == 1
    truncated = tmp_path / "cut.bin"
    truncated.write_bytes(build_job(render_ticket(sample_ticket(), 384), 384)[:500])
    assert main(["decode", str(truncated), "--png", str(tmp_path / "y.png")]) == 1
    assert main(["decode", str(tmp_path / "missing.bin"), "--png", str(tmp_path / "z.png")]) == 2


def test_test_ticket_prints_and_writes_the_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    out = tmp_path / "t.png"
    assert main(["test-ticket", "--png", str(out), "--width", "384"]) == 0
    assert Image.open(out).size == render_ticket(sample_ticket(), 384).size
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert Path(summary["preview_path"]).read_bytes() != b""
    assert Image.open(summary["preview_path"]).size == Image.open(out).size


def test_test_ticket_to_the_configured_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    assert main(["test-ticket", "--no-claim-code"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["printer"] == "preview" and summary["confirmed"] is True
    assert Path(summary["preview_path"]).parent == tmp_path / "tickets"


def test_test_ticket_failure_is_bilingual(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test-ticket", "--printer", f"file://{tmp_path}/nope"]) == 1
    err = capsys.readouterr().err
    assert "เครื่องพิมพ์" in err and "printer" in err


def test_status_of_a_preview_printer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--printer", f"preview://{tmp_path}"]) == 0
    assert json.loads(capsys.readouterr().out)["ready"] is True

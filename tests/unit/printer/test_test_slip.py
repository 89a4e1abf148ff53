"""The backoffice's test print: a short slip at the printer's width that is no ticket."""

from __future__ import annotations

import datetime as dt

import pytest
import zxingcpp

from hardware.printer import PrinterConfigError, render_test_slip


@pytest.mark.parametrize("width", [576, 384])
def test_the_slip_fits_the_paper_and_carries_no_code(width: int) -> None:
    slip = render_test_slip("รพ.สต. ทดสอบ", dt.datetime(2026, 1, 15, 10, 0), width)
    assert slip.mode == "1" and slip.width == width
    assert 200 < slip.height < 3 * width  # short: a few lines, not a ticket's length
    assert slip.convert("L").histogram()[0] > 5000  # black dots: something is printed
    assert zxingcpp.read_barcodes(slip.convert("L")) == []  # no Authen Code, no QR


def test_too_narrow_a_printer_is_refused() -> None:
    with pytest.raises(PrinterConfigError):
        render_test_slip("x", dt.datetime(2026, 1, 15), 100)

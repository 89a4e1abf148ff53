"""An independent checker for claim batches: NHSO e-Claim 16+1 files and SSOP 0.93.

Written from public specifications and production exporters (README.md, "Provenance"),
never from our own writers, so that it can catch what they believe wrongly. Pure
standard library; it imports nothing of the applications.

    report = check_batch(Path("99901_SSOPBIL_0001_01_20260303-103000.zip"))
    print(format_report(report, "th"))
    json.dumps(report.as_dict())
    sys.exit(0 if report.ok else 1)
"""

from __future__ import annotations

from .check import check_batch
from .problems import ERROR, WARNING, BatchKind, CheckReport, Problem, Severity
from .render import format_report

__all__ = [
    "ERROR",
    "WARNING",
    "BatchKind",
    "CheckReport",
    "Problem",
    "Severity",
    "check_batch",
    "format_report",
]

"""Staff pages for the claim files: choose a range, watch the progress bar, download.

Mount (in backoffice/web/app.py)::

    from backoffice.exports import web as exports_web
    ROUTES = (..., *(RouteSpec(p, m, e) for p, m, e in exports_web.ROUTES))

Pages use the web app's session guard, CSRF check and base layout; the templates
live in ``backoffice/exports/templates`` and are added to the web app's loader.
Files are written under ``<data_dir>/exports`` and served only from there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.responses import FileResponse, RedirectResponse, Response

from backoffice.exports.eclaim import BatchResult, export_eclaim
from backoffice.exports.jobs import BOARD, Job
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.exports.ssop import export_ssop
from backoffice.web import framework
from backoffice.web.errors import BadInput, NotFound
from backoffice.web.framework import Page, error_page, guard, parse_date, threaded

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_RANGE_DAYS = 366
KINDS = ("eclaim", "fdh", "ssop")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("ส่งออกข้อมูลเคลม", "Claim files"),
    "from": ("ตั้งแต่วันที่", "From"),
    "to": ("ถึงวันที่", "To"),
    "eclaim": ("e-Claim 16+1 แฟ้ม (windows-874)", "e-Claim 16+1 files (windows-874)"),
    "fdh": ("16+1 แฟ้ม สำหรับ FDH (UTF-8)", "16+1 files for FDH (UTF-8)"),
    "ssop": ("ประกันสังคม SSOP", "Social Security SSOP"),
    "dry_run": ("ตรวจสอบอย่างเดียว ไม่สร้างแฟ้ม", "Check only, write no files"),
    "start": ("เริ่มส่งออก", "Start"),
    "progress": ("ความคืบหน้า", "Progress"),
    "included": ("ส่งออก", "Included"),
    "excluded": ("ไม่ส่งออก (ดูเหตุผลในรายงาน)", "Left out (reasons in the report)"),
    "warnings": ("มีคำเตือน", "With warnings"),
    "download": ("ดาวน์โหลด", "Download"),
    "problems": ("ปัญหาที่พบ", "Problems found"),
    "running": ("กำลังทำงาน… หน้านี้จะโหลดใหม่เอง", "Working… this page reloads itself"),
}


def add_template_folder(folder: Path) -> None:
    """Let the web app's Jinja2 environment find this room's templates (once)."""
    loader = framework.env.loader
    if isinstance(loader, ChoiceLoader) and any(
        isinstance(x, FileSystemLoader) and str(folder) in x.searchpath for x in loader.loaders
    ):
        return
    assert loader is not None
    framework.env.loader = ChoiceLoader([loader, FileSystemLoader(str(folder))])


add_template_folder(TEMPLATES)


def texts(table: dict[str, tuple[str, str]], lang: str) -> Callable[[str], str]:
    """The page's words in the session's language (Thai or English)."""
    index = 0 if lang == "th" else 1
    return lambda key: table[key][index]


def out_dir(page: Page) -> Path:
    return Path(page.deps.settings.data_dir) / "exports"


def _batch_files(result: BatchResult) -> dict[str, str]:
    files = {}
    for name, path in (("zip", result.zip_path), ("report.csv", result.report_csv),
                       ("report.json", result.report_json)):  # fmt: skip
        if path is not None:
            files[name] = str(path)
    return files


@guard("staff")
async def exports_page(page: Page) -> Response:
    today = page.deps.clock().date()
    first = today.replace(day=1)
    return page.render(
        "exports_form.html", L=texts(TEXT, page.lang), kinds=KINDS, date_from=first, date_to=today
    )


@guard("staff")
async def exports_run(page: Page) -> Response:
    today = page.deps.clock().date()
    start = parse_date(page.field("date_from"), today)
    end = parse_date(page.field("date_to"), start)
    kind = page.field("kind")
    if kind not in KINDS or end < start or (end - start).days > MAX_RANGE_DAYS:
        return error_page(page, BadInput("bad export request"))
    dry_run = page.field("dry_run") == "1"
    settings = page.deps.settings
    engine = page.deps.clinic.engine
    folder = out_dir(page)
    hcode = page.deps.clinic.unit_code()

    def work(job: Job) -> dict[str, Any]:
        source = ClaimSource(engine)
        if kind == "ssop":
            result = export_ssop(
                source, start, end, folder, rules=RuleSet(), hcode=hcode,
                hname=settings.clinic.name, dry_run=dry_run, progress=job.progress,
            )  # fmt: skip
        else:
            result = export_eclaim(
                source, start, end, folder, rules=RuleSet(), hcode=hcode, fdh=kind == "fdh",
                dry_run=dry_run, progress=job.progress,
            )  # fmt: skip
        job.files = _batch_files(result)
        return {**result.as_dict(), "sample": [p.as_dict() for p in result.sample[:50]]}

    by = page.session.username if page.session else ""
    job = BOARD.start(f"export-{kind}", by, work)
    await threaded(
        page.audit,
        "export",
        target=kind,
        detail={"from": start.isoformat(), "to": end.isoformat(), "dry_run": dry_run},
    )
    return RedirectResponse(f"/exports/jobs/{job.id}", status_code=303)


def _job(page: Page) -> Job:
    job = BOARD.get(str(page.request.path_params.get("job_id", "")))
    if job is None or not job.kind.startswith("export-"):
        raise NotFound("no such job")
    return job


@guard("staff")
async def export_job(page: Page) -> Response:
    job = _job(page)
    return page.render("exports_job.html", L=texts(TEXT, page.lang), job=job)


@guard("staff")
async def export_download(page: Page) -> Response:
    job = _job(page)
    name = str(page.request.path_params.get("name", ""))
    path = job.files.get(name)
    root = out_dir(page).resolve()
    if path is None or not Path(path).resolve().is_relative_to(root):
        raise NotFound("no such file")
    return FileResponse(path, filename=Path(path).name)


ROUTES: tuple[tuple[str, str, Callable[..., Awaitable[Any]]], ...] = (
    ("/exports", "GET", exports_page),
    ("/exports/run", "POST", exports_run),
    ("/exports/jobs/{job_id}", "GET", export_job),
    ("/exports/jobs/{job_id}/files/{name}", "GET", export_download),
)

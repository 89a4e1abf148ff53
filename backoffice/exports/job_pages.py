"""What every job page shares: the cancel button's handler.

Any staff member may cancel a running job (the one who started it may have gone
home); the job stops at its next progress report and the audit trail says who asked.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from backoffice.exports.jobs import BOARD
from backoffice.web.errors import NotFound
from backoffice.web.framework import Page, guard, safe_next, threaded


@guard("staff")
async def job_cancel(page: Page) -> Response:
    job = BOARD.get(str(page.request.path_params.get("job_id", "")))
    if job is None:
        raise NotFound("no such job")
    asked = job.cancel()
    await threaded(page.audit, "job_cancel", target=job.kind, outcome="ok" if asked else "late")
    return RedirectResponse(safe_next(page.field("next", limit=200)), status_code=303)


ROUTES = (("/jobs/{job_id}/cancel", "POST", job_cancel),)

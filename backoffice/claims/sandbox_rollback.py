"""Adds NHSO's "rollback of a cancel" (file 20/21) to the NHSO sandbox, for tests and the demo.

The NHSO sandbox (integrations.nhso.sandbox) serves close right and its cancel; the
rollback is specific to the close-right workflow, so it is installed from here as one
more route on a running sandbox rather than edited into the sandbox's own module.
"""

from __future__ import annotations

import re

from backoffice.claims.close_right import CLAIM_DETAIL_ROLLBACK
from integrations.nhso.sandbox import SandboxServer
from integrations.nhso.sandbox.server import Reply, Request

NOT_CANCELLED = "รายการนี้ยังไม่ได้ถูกยกเลิก"
SEQ_NOT_FOUND = "ไม่พบ seq ที่ระบุ"
BAD_TRANSACTION = "transactionId ไม่ถูกต้อง"


def install_rollback(server: SandboxServer) -> None:
    sandbox = server.sandbox
    state = server.state

    def rollback(request: Request) -> Reply:
        refused = sandbox.token_refusal(request, claim=True)
        if refused:
            return refused
        body = request.body if isinstance(request.body, dict) else {}
        with state.lock:
            record = next((c for c in state.claims if c.seq == body.get("seq")), None)
            if record is None:
                message = SEQ_NOT_FOUND
            elif record.transaction_id != body.get("transactionId"):
                message = BAD_TRANSACTION
            elif not record.cancelled:
                message = NOT_CANCELLED
            else:
                record.cancelled = False
                return Reply(200, {"status": "Y", "authenCode": record.authen_code})
        return Reply(200, {"status": "N", "authenCode": None, "dataError": message})

    pattern = re.compile(r"/nhsoendpoint/" + re.escape(CLAIM_DETAIL_ROLLBACK) + "/?")
    sandbox.routes.insert(0, ("POST", pattern, rollback))

"""The DDI client over HTTP (httpx): one controller (device) of one tenant.

The device's token goes in ``Authorization: TargetToken ...`` and nowhere else: it is
never logged and never part of an error's text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from integrations.hawkbit_ddi.errors import (
    DdiActionClosed,
    DdiAuthError,
    DdiError,
    DdiHashMismatch,
    DdiNoSpace,
)
from integrations.hawkbit_ddi.models import Artifact, Deployment, Execution, Finished, Poll

log = logging.getLogger(__name__)

# The strongest hash the server offers is the one checked (hawkBit sends all three,
# gooseBit only sha1).
HASH_PREFERENCE = ("sha256", "sha1", "md5")
CHUNK_BYTES = 1 << 20
# hawkBit keeps at most 100 detail lines per feedback, each up to 512 characters.
MAX_DETAILS = 50
MAX_DETAIL_CHARS = 500
# Left free on the download's file system after the bundle: /data also holds the
# check-in journal, which must never be the one to run out of space.
SPACE_RESERVE_BYTES = 256 << 20
# hawkBit's answers to feedback on an action it has closed already (404 not found,
# 410 gone; 409 for a conflicting state).
CLOSED_ACTION_STATUS = (404, 409, 410)


class DdiClient:
    def __init__(
        self,
        server_url: str,
        controller_id: str,
        token: str,
        *,
        tenant: str = "DEFAULT",
        timeout_s: float = 30.0,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.controller_id = controller_id
        self.base_url = f"{server_url.rstrip('/')}/{tenant}/controller/v1/{controller_id}"
        self._http = httpx.Client(
            headers={"Authorization": f"TargetToken {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_s, read=max(timeout_s, 120.0)),
            verify=verify,
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DdiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- the API ---------------------------------------------------------------------
    def poll(self) -> Poll:
        return Poll.from_json(self._json("GET", self.base_url))

    def send_attributes(self, attributes: Mapping[str, str], url: str | None = None) -> None:
        """Tell the server what this device is (``configData``), e.g. its software version."""
        body = {"mode": "merge", "data": dict(attributes)}
        self._json("PUT", url or f"{self.base_url}/configData", json=body)

    def deployment(self, url: str) -> Deployment:
        try:
            return Deployment.from_json(self._json("GET", url))
        except (KeyError, ValueError, TypeError) as exc:
            raise DdiError(f"deploymentBase not understood: {type(exc).__name__}") from None

    def feedback(
        self,
        action_id: str,
        execution: Execution,
        finished: Finished = Finished.NONE,
        details: Sequence[str] = (),
        progress: tuple[int, int] | None = None,
    ) -> None:
        result: dict[str, Any] = {"finished": finished.value}
        if progress is not None:
            result["progress"] = {"cnt": progress[0], "of": progress[1]}
        body = {
            "id": action_id,
            "time": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S"),
            "status": {
                "execution": execution.value,
                "result": result,
                "details": [line[:MAX_DETAIL_CHARS] for line in list(details)[-MAX_DETAILS:]],
            },
        }
        url = f"{self.base_url}/deploymentBase/{action_id}/feedback"
        try:
            self._json("POST", url, json=body)
        except DdiActionClosed:
            if execution is not Execution.CLOSED:
                raise
            # A final report sent again after a power cut (the first one arrived): the
            # server has closed the action, which is what the report asked for.
            log.info("action %s was closed already; final report not needed", action_id)

    def download(
        self,
        artifact: Artifact,
        destination: Path,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Path:
        """Stream the artifact to `destination`, checking its size and hash first.

        The file appears under its name only once complete and checked (written as
        ``.part`` and renamed), so a power cut never leaves a half bundle that looks whole.
        """
        algorithm = next((name for name in HASH_PREFERENCE if name in artifact.hashes), None)
        digest = hashlib.new(algorithm) if algorithm else None
        partial = destination.with_name(destination.name + ".part")
        destination.parent.mkdir(parents=True, exist_ok=True)
        self._check_space(destination.parent, artifact.size)
        received = 0
        try:
            request = self._http.build_request("GET", artifact.download_url)
            server = httpx.URL(self.base_url)
            if (request.url.scheme, request.url.netloc) != (server.scheme, server.netloc):
                # A link to another host (an object store): the device token is for the
                # update server only.
                del request.headers["Authorization"]
            with contextlib.closing(self._http.send(request, stream=True)) as response:
                self._check_status(response)
                with partial.open("wb") as out:
                    for block in response.iter_bytes(CHUNK_BYTES):
                        out.write(block)
                        received += len(block)
                        if digest is not None:
                            digest.update(block)
                        if on_progress is not None:
                            on_progress(received, artifact.size)
                    out.flush()
                    os.fsync(out.fileno())
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise DdiError(f"download failed: {type(exc).__name__}") from None
        except BaseException:
            # A full disk (OSError), an HTTP error status, an interrupt: never leave a
            # half bundle taking the space the check-in journal needs.
            partial.unlink(missing_ok=True)
            raise
        if artifact.size and received != artifact.size:
            partial.unlink(missing_ok=True)
            raise DdiHashMismatch(f"size {received} instead of {artifact.size}")
        if (
            algorithm is not None
            and digest is not None
            and (digest.hexdigest() != artifact.hashes[algorithm])
        ):
            partial.unlink(missing_ok=True)
            raise DdiHashMismatch(f"{algorithm} does not match")
        partial.replace(destination)
        return destination

    # --- plumbing ----------------------------------------------------------------------
    @staticmethod
    def _check_space(directory: Path, size: int) -> None:
        free = shutil.disk_usage(directory).free
        if free < size + SPACE_RESERVE_BYTES:
            raise DdiNoSpace(
                f"not enough space: {free >> 20} MiB free, the bundle needs "
                f"{size >> 20} MiB and {SPACE_RESERVE_BYTES >> 20} MiB stay free"
            )

    def _json(self, method: str, url: str, json: Any = None) -> dict[str, Any]:
        try:
            response = self._http.request(method, url, json=json)
        except httpx.HTTPError as exc:
            raise DdiError(f"{method} failed: {type(exc).__name__}") from None
        self._check_status(response)
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError:
            raise DdiError(f"{method}: the answer is not JSON") from None
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _check_status(response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            raise DdiAuthError(f"HTTP {response.status_code}")
        if response.status_code in CLOSED_ACTION_STATUS:
            raise DdiActionClosed(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise DdiError(f"HTTP {response.status_code}")

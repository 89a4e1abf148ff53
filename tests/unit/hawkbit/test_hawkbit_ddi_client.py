"""The DDI client's parsing and error mapping, over httpx's MockTransport (the same client
against a real gooseBit: tests/image/test_fleet_ddi.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from integrations.hawkbit_ddi import (
    Artifact,
    DdiActionClosed,
    DdiAuthError,
    DdiClient,
    DdiError,
    DdiHashMismatch,
    DdiNoSpace,
    Deployment,
    Execution,
    Finished,
    Poll,
)
from integrations.hawkbit_ddi.models import parse_sleep

BODY = b"a signed bundle"


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.headers.get("Authorization") != "TargetToken secret-token":
        return httpx.Response(401)
    if path.endswith("/controller/v1/k1"):
        links = {"deploymentBase": {"href": "http://s/DEFAULT/controller/v1/k1/deploymentBase/3"}}
        return httpx.Response(
            200, json={"config": {"polling": {"sleep": "00:01:30"}}, "_links": links}
        )
    if path.endswith("/download"):
        return httpx.Response(200, content=BODY)
    if path.endswith("/feedback"):
        return httpx.Response(200, json={"seen": json.loads(request.content)})
    return httpx.Response(500)


def client(token: str = "secret-token") -> DdiClient:
    return DdiClient("http://s/", "k1", token, transport=httpx.MockTransport(handler))


def test_poll_parses_sleep_and_links() -> None:
    poll = client().poll()
    assert poll == Poll(90.0, "http://s/DEFAULT/controller/v1/k1/deploymentBase/3", None)
    assert parse_sleep("garbage") == 300.0


def test_wrong_token_is_an_auth_error_without_the_token_in_it() -> None:
    with pytest.raises(DdiAuthError) as raised:
        client("bad-token").poll()
    assert "bad-token" not in str(raised.value) and raised.value.th


def test_server_error_and_unreachable_server_are_ddi_errors() -> None:
    with pytest.raises(DdiError):
        client().deployment("http://s/other")

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(DdiError):
        DdiClient("http://s", "k1", "t", transport=httpx.MockTransport(down)).poll()


def test_download_checks_size_and_the_strongest_hash(tmp_path: Path) -> None:
    good = {"sha1": hashlib.sha1(BODY).hexdigest(), "sha256": hashlib.sha256(BODY).hexdigest()}
    artifact = Artifact("b.raucb", len(BODY), good, "http://s/download")
    assert client().download(artifact, tmp_path / "b.raucb").read_bytes() == BODY
    wrong = Artifact("b.raucb", len(BODY), {**good, "sha256": "0" * 64}, "http://s/download")
    with pytest.raises(DdiHashMismatch):
        client().download(wrong, tmp_path / "c.raucb")
    short = Artifact("b.raucb", len(BODY) + 1, good, "http://s/download")
    with pytest.raises(DdiHashMismatch):
        client().download(short, tmp_path / "d.raucb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.raucb"]


def test_deployment_model_takes_one_artifact() -> None:
    data = {
        "id": "3",
        "deployment": {
            "download": "forced",
            "update": "forced",
            "chunks": [
                {
                    "part": "os",
                    "name": "b.raucb",
                    "version": "1.2.0",
                    "artifacts": [
                        {
                            "filename": "b.raucb",
                            "size": 9,
                            "hashes": {"sha1": "ABC"},
                            "_links": {"download-http": {"href": "http://s/x"}},
                        }
                    ],
                }
            ],
        },
    }
    deployment = Deployment.from_json(data)
    assert deployment.version == "1.2.0"
    assert deployment.single_artifact() == Artifact("b.raucb", 9, {"sha1": "abc"}, "http://s/x")


def test_feedback_body_is_hawkbits() -> None:
    seen: list[dict[str, object]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200)

    c = DdiClient("http://s", "k1", "t", transport=httpx.MockTransport(record))
    c.feedback("3", Execution.CLOSED, Finished.FAILURE, ["x" * 600], progress=(1, 2))
    status = seen[0]["status"]
    assert isinstance(status, dict)
    assert status["execution"] == "closed" and status["result"]["finished"] == "failure"
    assert status["result"]["progress"] == {"cnt": 1, "of": 2}
    assert len(status["details"][0]) == 500 and seen[0]["id"] == "3"


def token_recorder(sent: list[str | None]) -> httpx.MockTransport:
    """A server that answers the bundle and notes the Authorization header it got."""

    def store(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("Authorization"))
        return httpx.Response(200, content=BODY)

    return httpx.MockTransport(store)


def test_the_token_never_goes_to_another_host(tmp_path: Path) -> None:
    sent: list[str | None] = []
    c = DdiClient("http://s", "k1", "secret-token", transport=token_recorder(sent))
    same = Artifact("b", len(BODY), {}, "http://s/DEFAULT/controller/v1/k1/download")
    other = Artifact("b", len(BODY), {}, "https://objects.example/bucket/b?sig=1")
    c.download(same, tmp_path / "a")
    c.download(other, tmp_path / "b")
    assert sent == ["TargetToken secret-token", None]


def test_the_token_never_goes_over_plain_http_to_the_same_host(tmp_path: Path) -> None:
    sent: list[str | None] = []
    c = DdiClient("https://s", "k1", "secret-token", transport=token_recorder(sent))
    c.download(Artifact("b", len(BODY), {}, "https://s/download"), tmp_path / "a")
    c.download(Artifact("b", len(BODY), {}, "http://s/download"), tmp_path / "b")
    assert sent == ["TargetToken secret-token", None]


def test_a_bundle_bigger_than_the_free_space_is_not_downloaded(tmp_path: Path) -> None:
    asked: list[str] = []

    def count(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=BODY)

    c = DdiClient("http://s", "k1", "t", transport=httpx.MockTransport(count))
    huge = Artifact("b", 1 << 60, {}, "http://s/download")  # more than any disk here
    with pytest.raises(DdiNoSpace) as raised:
        c.download(huge, tmp_path / "b.raucb")
    assert asked == [] and list(tmp_path.iterdir()) == []
    assert raised.value.th and "MiB" in raised.value.detail


def test_a_full_disk_during_the_download_leaves_no_part_file(tmp_path: Path) -> None:
    def disk_full(received: int, size: int) -> None:
        raise OSError(28, "No space left on device")

    artifact = Artifact("b", len(BODY), {}, "http://s/download")
    with pytest.raises(OSError):
        client().download(artifact, tmp_path / "b.raucb", on_progress=disk_full)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_final_report_on_an_action_the_server_closed_is_done(status: int) -> None:
    c = DdiClient(
        "http://s", "k1", "t", transport=httpx.MockTransport(lambda r: httpx.Response(status))
    )
    c.feedback("3", Execution.CLOSED, Finished.SUCCESS, ["sent again after a power cut"])
    with pytest.raises(DdiActionClosed):
        c.feedback("3", Execution.PROCEEDING, details=["downloading"])

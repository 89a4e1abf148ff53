"""What the DDI API sends and takes, as typed values (hawkBit's DDI resource model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Execution(StrEnum):
    """``status.execution`` of a feedback."""

    PROCEEDING = "proceeding"
    CLOSED = "closed"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"
    RESUMED = "resumed"
    DOWNLOAD = "download"
    DOWNLOADED = "downloaded"


class Finished(StrEnum):
    """``status.result.finished``: only a closed action is success or failure."""

    SUCCESS = "success"
    FAILURE = "failure"
    NONE = "none"


@dataclass(frozen=True)
class Poll:
    """The answer to a poll of the controller's base resource."""

    sleep_s: float
    deployment_url: str | None = None
    config_data_url: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Poll:
        links = data.get("_links") or {}
        sleep = str(data.get("config", {}).get("polling", {}).get("sleep", "00:05:00"))
        return cls(
            sleep_s=parse_sleep(sleep),
            deployment_url=_href(links, "deploymentBase"),
            config_data_url=_href(links, "configData"),
        )


@dataclass(frozen=True)
class Artifact:
    filename: str
    size: int
    hashes: dict[str, str]
    download_url: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Artifact:
        links = data.get("_links") or {}
        # hawkBit offers https ("download") and sometimes plain http; take https first.
        url = _href(links, "download") or _href(links, "download-http")
        if url is None:
            raise ValueError("artifact without a download link")
        return cls(
            filename=str(data["filename"]),
            size=int(data.get("size") or 0),
            hashes={str(k): str(v).lower() for k, v in (data.get("hashes") or {}).items()},
            download_url=url,
        )


@dataclass(frozen=True)
class Chunk:
    part: str
    name: str
    version: str
    artifacts: tuple[Artifact, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        return cls(
            part=str(data.get("part", "")),
            name=str(data.get("name", "")),
            version=str(data.get("version", "")),
            artifacts=tuple(Artifact.from_json(a) for a in data.get("artifacts") or []),
        )


@dataclass(frozen=True)
class Deployment:
    """One action: what to download and install (``deploymentBase``)."""

    action_id: str
    download: str  # "skip", "attempt" or "forced"
    update: str
    chunks: tuple[Chunk, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        body = data.get("deployment") or {}
        return cls(
            action_id=str(data["id"]),
            download=str(body.get("download", "forced")),
            update=str(body.get("update", "forced")),
            chunks=tuple(Chunk.from_json(c) for c in body.get("chunks") or []),
        )

    @property
    def version(self) -> str:
        return self.chunks[0].version if self.chunks else ""

    def single_artifact(self) -> Artifact:
        """The bundle: a kiosk update is one RAUC bundle in one chunk."""
        artifacts = [a for chunk in self.chunks for a in chunk.artifacts]
        if len(artifacts) != 1:
            raise ValueError(f"expected one artifact, the action has {len(artifacts)}")
        return artifacts[0]


def parse_sleep(text: str) -> float:
    """hawkBit's "HH:MM:SS" polling interval in seconds."""
    try:
        hours, minutes, seconds = (int(part) for part in text.split(":"))
    except ValueError:
        return 300.0
    return float(hours * 3600 + minutes * 60 + seconds)


def _href(links: dict[str, Any], name: str) -> str | None:
    link = links.get(name)
    if isinstance(link, dict) and link.get("href"):
        return str(link["href"])
    return None

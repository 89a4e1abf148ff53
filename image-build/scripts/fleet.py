#!/usr/bin/env python3
"""The district's update server (gooseBit) and what IT does with it, from one script.

    fleet.py serve  [--state DIR] [--host H] [--port P]   run gooseBit with our config
    fleet.py enroll DEVICE --feed FEED [--name NAME]      register a kiosk, print its token
    fleet.py upload BUNDLE.raucb                          add a signed bundle; prints its id
    fleet.py rollout SOFTWARE_ID --waves pilot,group,all  wave by wave; a failure stops it
    fleet.py status                                       every kiosk: version, state, IP
    fleet.py log DEVICE                                   a kiosk's last update report
    fleet.py retry DEVICE... [--feed FEED]                offer again after a failure

gooseBit (PyPI ``goosebit``, a hawkBit-DDI-compatible server) runs from its own virtual
environment (``make -C image-build fleet-server`` makes it: FLEET_VENV, pinned version),
never from the kiosk's. Its state (SQLite database, bundles, session key, the admin
password) lives in --state (default ``build/fleet``); a district's service keeps it in
/var/lib/jhcis-fleet with PostgreSQL (README.md, "District IT"). The management commands
talk to the server's REST API (FLEET_URL, default http://127.0.0.1:60053) as the admin
user whose password is in STATE/admin-password.

gooseBit's rollouts are per feed and count successes and failures but do not stop by
themselves (its README: "future plans for automatic aborts"), so ``rollout`` is the
stopping rule: one wave (feed) at a time, the next only when every kiosk of the wave
reports success on the new version; any failure pauses the rollout and ends the command.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent.parent
CONFIG = HERE / "fleet" / "goosebit.yaml"
DEFAULT_STATE = HERE / "build" / "fleet"
DEFAULT_VENV = HERE / "build" / "fleet-venv"
DEFAULT_PORT = 60053
ADMIN = "admin@district"
WAVE_TIMEOUT_S = 3 * 3600.0


# --- the server ---------------------------------------------------------------------------
@dataclass
class Server:
    """gooseBit as a child process (the make target, the tests), or the service's command."""

    state: Path
    venv: Path = DEFAULT_VENV
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    config: Path = Path(os.environ.get("FLEET_CONFIG", CONFIG))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        local = self.host in ("0.0.0.0", "")  # noqa: S104 - a name, not a bind
        return f"http://{'127.0.0.1' if local else self.host}:{self.port}"

    def admin_password(self) -> str:
        return _private_value(self.state / "admin-password")

    def environment(self) -> dict[str, str]:
        migrations = next((self.venv / "lib").glob("python3*/site-packages/goosebit/db/migrations"))
        aerich = self.state / "aerich.toml"
        aerich.write_text(
            '[tool.aerich]\ntortoise_orm = "goosebit.db.config.TORTOISE_CONF"\n'
            f'location = "{migrations}"\nsrc_folder = "."\n',
            encoding="utf-8",
        )
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GOOSEBIT_") and key not in ("VIRTUAL_ENV", "PYTHONPATH")
        }
        env.update(
            GOOSEBIT_SETTINGS=str(self.config),
            GOOSEBIT_DB_URI=os.environ.get(
                "FLEET_DB_URI", f"sqlite:///{self.state / 'goosebit.sqlite3'}"
            ),
            GOOSEBIT_ARTIFACTS_DIR=str(self.state / "artifacts"),
            GOOSEBIT_PORT=str(self.port),
            # Sessions survive a restart: the key is the server's, kept in its state.
            GOOSEBIT_SECRET_KEY=_private_value(self.state / "session-key"),
        )
        return env

    def migrate(self, env: dict[str, str], log: IO[bytes]) -> None:
        subprocess.run(  # noqa: S603 - argument list, no shell
            [
                str(self.venv / "bin" / "aerich"),
                "--config",
                str(self.state / "aerich.toml"),
                "upgrade",
            ],
            cwd=self.state,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def command(self) -> list[str]:
        # One worker: gooseBit caches devices in its process (its docker/Dockerfile says so).
        return [
            str(self.venv / "bin" / "uvicorn"),
            "goosebit:app",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-access-log",
        ]

    def start(self, log: Path | None = None) -> Server:
        self.state.mkdir(parents=True, exist_ok=True)
        (self.state / "artifacts").mkdir(exist_ok=True)
        env = self.environment()
        out = (log or self.state / "server.log").open("ab")
        self.migrate(env, out)
        self.process = subprocess.Popen(  # noqa: S603 - argument list, no shell
            self.command(), cwd=self.state, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gooseBit exited; see {out.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"gooseBit did not listen on {self.port}; see {out.name}")
        Fleet.first_admin(self.url, self.admin_password())
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def _private_value(path: Path) -> str:
    """A random secret kept in `path` (mode 0600), made on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text(encoding="utf-8").strip()


# --- the management API ---------------------------------------------------------------------
class FleetError(RuntimeError):
    pass


class Fleet:
    """gooseBit's REST API (/api/v1) as the district's admin."""

    def __init__(self, url: str, password: str, user: str = ADMIN) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(60.0, read=600.0))
        token = self._login(user, password)
        self.http.headers["Authorization"] = f"Bearer {token}"

    @staticmethod
    def first_admin(url: str, password: str, user: str = ADMIN) -> None:
        """Create the admin on a new server (gooseBit's /setup; a no-op once it exists)."""
        import httpx

        httpx.post(f"{url}/setup", data={"username": user, "password": password}, timeout=30)

    def _login(self, user: str, password: str) -> str:
        answer = self.http.post("/login", data={"username": user, "password": password})
        self._check(answer, "login")
        return str(answer.json()["access_token"])

    @staticmethod
    def _check(answer: Any, what: str) -> None:
        if answer.status_code >= 400:
            raise FleetError(f"{what}: HTTP {answer.status_code} {answer.text[:300]}")

    def enroll(self, device: str, token: str, feed: str, name: str | None = None) -> None:
        body = {"devices": [device], "auth_token": token, "feed": feed, "software": "rollout"}
        if name:
            body["name"] = name
        self._check(self.http.put("/api/v1/devices", json=body), f"enroll {device}")

    def set_devices(self, devices: Sequence[str], **changes: Any) -> None:
        body = {"devices": list(devices), **changes}
        self._check(self.http.patch("/api/v1/devices", json=body), "change devices")

    def upload(self, bundle: Path) -> int:
        with bundle.open("rb") as data:
            answer = self.http.put(
                "/api/v1/software",
                files={"file": (bundle.name, data, "application/octet-stream")},
            )
        self._check(answer, f"upload {bundle.name}")
        return int(answer.json()["id"])

    def software(self, software_id: int) -> dict[str, Any]:
        answer = self.http.get("/api/v1/software")
        self._check(answer, "software")
        for item in answer.json()["software"]:
            if int(item["id"]) == software_id:
                return dict(item)
        raise FleetError(f"no software {software_id}")

    def devices(self) -> list[dict[str, Any]]:
        answer = self.http.get("/api/v1/devices")
        self._check(answer, "devices")
        return list(answer.json()["devices"])

    def device(self, device: str) -> dict[str, Any]:
        # From the list: gooseBit 0.2.12's GET /devices/{id} fails (HTTP 500) for a device
        # with assigned software (it does not fetch the software's compatibility).
        for found in self.devices():
            if found["id"] == device:
                return found
        raise FleetError(f"no device {device}")

    def log(self, device: str) -> str:
        answer = self.http.get(f"/api/v1/devices/{device}/log")
        self._check(answer, f"log of {device}")
        return str(answer.json().get("log") or "")

    def rollouts(self) -> list[dict[str, Any]]:
        answer = self.http.get("/api/v1/rollouts")
        self._check(answer, "rollouts")
        return list(answer.json()["rollouts"])

    def create_rollout(self, name: str, feed: str, software_id: int) -> int:
        body = {"name": name, "feed": feed, "software_id": software_id}
        answer = self.http.put("/api/v1/rollouts", json=body)
        self._check(answer, f"rollout to {feed}")
        return int(answer.json()["id"])

    def pause_rollout(self, rollout_id: int) -> None:
        body = {"ids": [rollout_id], "paused": True}
        self._check(self.http.patch("/api/v1/rollouts", json=body), "pause rollout")


# --- rollouts ------------------------------------------------------------------------------
@dataclass
class WaveResult:
    feed: str
    ok: bool
    detail: str
    failed: dict[str, str]  # device -> its last report


def run_rollout(
    fleet: Fleet,
    software_id: int,
    waves: Sequence[str],
    *,
    timeout_s: float = WAVE_TIMEOUT_S,
    poll_s: float = 10.0,
    say: Any = print,
) -> list[WaveResult]:
    """Roll `software_id` out one feed at a time; stop at the first wave with a failure."""
    version = str(fleet.software(software_id)["version"])
    results: list[WaveResult] = []
    for feed in waves:
        members = [d["id"] for d in fleet.devices() if d.get("feed") == feed]
        if not members:
            results.append(WaveResult(feed, False, "no kiosk in this feed", {}))
            say(f"wave {feed}: no kiosk has this feed; stopped")
            return results
        rollout = fleet.create_rollout(f"{version} to {feed}", feed, software_id)
        say(f"wave {feed}: {version} to {len(members)} kiosk(s): {', '.join(members)}")
        result = _watch_wave(
            fleet, feed, members, version, timeout_s=timeout_s, poll_s=poll_s, say=say
        )
        results.append(result)
        if not result.ok:
            fleet.pause_rollout(rollout)
            say(f"wave {feed}: {result.detail}; rollout paused, later waves not started")
            return results
        say(f"wave {feed}: all {len(members)} kiosk(s) run {version}")
    return results


def _watch_wave(
    fleet: Fleet,
    feed: str,
    members: Sequence[str],
    version: str,
    *,
    timeout_s: float,
    poll_s: float,
    say: Any,
) -> WaveResult:
    deadline = time.monotonic() + timeout_s
    shown: dict[str, str] = {}
    while True:
        states = {d["id"]: d for d in fleet.devices() if d["id"] in members}
        # A kiosk in Error is offered nothing until forced (fleet.py retry); gooseBit
        # clears the force when the kiosk closes the action. So Error without force is
        # a failure: of this wave, or an earlier one nobody retried.
        failed = {
            device: fleet.log(device)
            for device, d in states.items()
            if str(d.get("last_state")) == "Error" and not d.get("force_update")
        }
        if failed:
            return WaveResult(feed, False, f"{len(failed)} kiosk(s) failed", failed)
        done = [
            device
            for device, d in states.items()
            if str(d.get("last_state")) == "Finished" and d.get("sw_version") == version
        ]
        for device, d in states.items():
            line = f"{d.get('last_state')} {d.get('sw_version')} {d.get('progress') or ''}"
            if shown.get(device) != line:
                say(f"  {device}: {line}")
                shown[device] = line
        if len(done) == len(members):
            return WaveResult(feed, True, "done", {})
        if time.monotonic() > deadline:
            return WaveResult(feed, False, f"timed out after {timeout_s:.0f} s", {})
        time.sleep(poll_s)


# --- the command line ---------------------------------------------------------------------
def _fleet(args: argparse.Namespace) -> Fleet:
    password = os.environ.get("FLEET_PASSWORD") or Server(Path(args.state)).admin_password()
    return Fleet(args.url, password)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fleet.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", default=os.environ.get("FLEET_STATE", str(DEFAULT_STATE)))
    parser.add_argument(
        "--url", default=os.environ.get("FLEET_URL", f"http://127.0.0.1:{DEFAULT_PORT}")
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--venv", default=os.environ.get("FLEET_VENV", str(DEFAULT_VENV)))
    enroll = sub.add_parser("enroll")
    enroll.add_argument("device")
    enroll.add_argument("--feed", required=True)
    enroll.add_argument("--name")
    upload = sub.add_parser("upload")
    upload.add_argument("bundle", type=Path)
    rollout = sub.add_parser("rollout")
    rollout.add_argument("software_id", type=int)
    rollout.add_argument("--waves", required=True, help="feeds in order, e.g. pilot,group,all")
    rollout.add_argument("--timeout", type=float, default=WAVE_TIMEOUT_S)
    sub.add_parser("status")
    log = sub.add_parser("log")
    log.add_argument("device")
    retry = sub.add_parser("retry")
    retry.add_argument("devices", nargs="+")
    retry.add_argument("--feed", help="put them (back) into this feed's rollouts")
    args = parser.parse_args(argv)

    if args.command == "serve":
        server = Server(Path(args.state), Path(args.venv), args.host, args.port)
        if not (server.venv / "bin" / "uvicorn").exists():
            print(f"no gooseBit in {server.venv}: make -C image-build fleet-venv", file=sys.stderr)
            return 2
        server.start()
        print(
            f"gooseBit on {server.url} (admin {ADMIN}, password in {server.state}/admin-password)"
        )
        try:
            assert server.process is not None
            return server.process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            server.stop()
    fleet = _fleet(args)
    if args.command == "enroll":
        token = secrets.token_urlsafe(24)
        fleet.enroll(args.device, token, args.feed, args.name)
        # The token goes into the kiosk's provisioning file ([updates] token) and nowhere else.
        print(f'[updates]\ncontroller_id = "{args.device}"\ntoken = "{token}"')
    elif args.command == "upload":
        print(fleet.upload(args.bundle))
    elif args.command == "rollout":
        waves = [w.strip() for w in args.waves.split(",") if w.strip()]
        results = run_rollout(fleet, args.software_id, waves, timeout_s=args.timeout)
        for result in results:
            for device, report in result.failed.items():
                print(f"--- {device} (feed {result.feed}) reported:\n{report.strip()}")
        return 0 if results and all(r.ok for r in results) and len(results) == len(waves) else 1
    elif args.command == "status":
        for d in fleet.devices():
            print(
                f"{d['id']:<16} feed={d.get('feed') or '-':<8} {d.get('last_state'):<10} "
                f"version={d.get('sw_version') or '?':<12} ip={d.get('last_ip') or '?'} "
                f"seen {d.get('last_seen')} s ago"
            )
    elif args.command == "log":
        print(fleet.log(args.device))
    elif args.command == "retry":
        # gooseBit offers nothing more to a kiosk whose last update failed until it is
        # forced; the kiosk reports again on its next poll.
        changes: dict[str, Any] = {"force_update": True}
        if args.feed:
            changes.update(feed=args.feed, software="rollout")
        fleet.set_devices(args.devices, **changes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

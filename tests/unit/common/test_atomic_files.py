"""Whole-file replacement: no half-written file, no leftovers, modes kept, racing writers."""

from __future__ import annotations

import os
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from backoffice.web.config_file import update_config
from common.private_files import write_private
from common.secrets import load_secrets, write_secret

Writer = Callable[[Path, int], None]


def config_writer(path: Path, n: int) -> None:
    update_config(path, {"clinic.name": f"clinic {n}"})


def secret_writer(path: Path, n: int) -> None:
    write_secret(path, "nhso_token", f"token-{n}")


def private_writer(path: Path, n: int) -> None:
    write_private(path, f"payload {n}\n".encode())


WRITERS = [config_writer, secret_writer, private_writer]


def leftovers(directory: Path, keep: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p != keep)


@pytest.mark.parametrize("write", WRITERS)
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(
    write: Writer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "target"
    write(path, 1)
    before = path.read_bytes()

    def broken_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_disk)
    with pytest.raises(OSError):
        write(path, 2)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path, path) == []


@pytest.mark.parametrize("write", WRITERS)
def test_two_writers_at_once(write: Writer, tmp_path: Path) -> None:
    path = tmp_path / "target"
    write(path, 0)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                write(path, worker * 100 + i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert leftovers(tmp_path, path) == []
    if write is config_writer:
        assert tomllib.loads(path.read_text())["clinic"]["name"].startswith("clinic ")
    elif write is secret_writer:
        token = load_secrets(path).nhso_token
        assert token is not None and token.get_secret_value().startswith("token-")


def test_config_keeps_its_mode_and_secrets_stay_private(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config_writer(config, 1)
    assert config.stat().st_mode & 0o777 == 0o644  # a new configuration is readable
    config.chmod(0o640)
    config_writer(config, 2)
    assert config.stat().st_mode & 0o777 == 0o640
    secrets = tmp_path / "secrets.toml"
    secret_writer(secrets, 1)
    assert secrets.stat().st_mode & 0o777 == 0o600
    private = tmp_path / "trace.json"
    private.write_bytes(b"old")
    private.chmod(0o644)
    private_writer(private, 1)
    assert private.stat().st_mode & 0o777 == 0o600

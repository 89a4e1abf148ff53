"""Item 8: bad input to the `backoffice` command never ends in a traceback.

Each case runs the real command as a process. It must exit non-zero with a message a
clinic's IT can act on: Thai and English (our errors carry both; argparse's usage
errors get a Thai line first), never a Python traceback (whose text may quote a
citizen ID or a password) and never the catch-all "unexpected failure" either: every
case below has its own error. The nine cases the issue lists come first.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import build_jhcis_database

from .conftest import THAI, backoffice, scratch_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}\b")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, _jhcis_sqlite_template: Path) -> dict[str, str]:
    """Databases and configuration files, good and bad, for the cases."""
    tmp = tmp_path_factory.mktemp("matrix")
    good = tmp / "jhcis.sqlite"
    shutil.copyfile(_jhcis_sqlite_template, good)
    novisit = tmp / "novisit.sqlite"
    build_jhcis_database(f"sqlite:///{novisit}", omit_tables=("visit",), include_optional=False)
    files = {}
    for name, extra in {
        "ok": "",
        "unknown_key": '[clinic]\ncolour = "blue"\n',
        "bad_uri": '[printer]\nuri = "file:///etc/passwd"\n',
        "bad_hcode": '[clinic]\nhcode = "12"\n',
    }.items():
        folder = tmp / name
        folder.mkdir()
        files[name] = str(scratch_config(folder, extra))
    not_toml = tmp / "not_toml"
    not_toml.mkdir()
    (not_toml / "config.toml").write_text("data_dir = = \n")
    files["not_toml"] = str(not_toml / "config.toml")
    for name, secrets_text, mode in (
        ("open_secrets", 'session_key = "abc"\n', 0o644),
        ("broken_secrets", "session_key = = \n", 0o600),
    ):
        folder = tmp / name
        folder.mkdir()
        config = scratch_config(folder)
        (folder / "secrets.toml").write_text(secrets_text)
        (folder / "secrets.toml").chmod(mode)
        files[name] = str(config)
    text_file = tmp / "not-a-batch.txt"
    text_file.write_text("hello")
    other = tmp / "tls-other"
    for folder in (tmp / "tls", other):  # openssl itself: the probe also runs on old code
        folder.mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "30", "-subj", "/CN=x", "-keyout", str(folder / "backoffice.key"),
             "-out", str(folder / "backoffice.crt")],
            check=True, capture_output=True,
        )  # fmt: skip
    return {
        **files,
        "good": f"sqlite:///{good}",
        "novisit": f"sqlite:///{novisit}",
        "missing_dir_db": f"sqlite:///{tmp}/no/such/folder/x.sqlite",
        "text_file": str(text_file),
        "out": str(tmp / "out"),
        "cert": str(tmp / "tls" / "backoffice.crt"),
        "key": str(tmp / "tls" / "backoffice.key"),
        "other_key": str(other / "backoffice.key"),
        "tmp": str(tmp),
        "range": "--from 2025-12-01 --to 2026-01-15",
    }


#: (what, the command line): {name} is a path or URL of the world fixture; "@" first
#: means "no --config added" (the case brings its own). The first nine are the issue's.
CASES: tuple[tuple[str, str], ...] = (
    ("claims sync without a visit table", "claims sync --date 2026-01-15 --db {novisit}"),
    ("reminders due --days 10000000", "reminders due --days 10000000 --db {good}"),
    ("reminders missed --date 0001-01-01", "reminders missed --date 0001-01-01 --db {good}"),
    ("--lookback 1000000000", "reminders missed --lookback 1000000000 --db {good}"),
    ("doctor --db postgresql", "doctor --db postgresql://u@localhost/x"),
    ("doctor --db not-a-url", "doctor --db not-a-url"),
    ("staff role into a missing folder", "staff role t_admin admin --db {missing_dir_db}"),
    ("serve with a 0644 secrets file", "@--config {open_secrets} serve --db {good}"),
    ("serve with a non-TOML secrets file", "@--config {broken_secrets} serve --db {good}"),
    ("missing config file", "@--config {tmp}/none.toml config check"),
    ("config not TOML", "@--config {not_toml} config check"),
    ("config unknown key", "@--config {unknown_key} config check"),
    ("config printer file URI", "@--config {bad_uri} config check"),
    ("config bad hcode", "@--config {bad_hcode} doctor --db {good}"),
    ("config check with open secrets", "@--config {open_secrets} config check"),
    ("config check with broken secrets", "@--config {broken_secrets} config check"),
    ("unknown command", "frobnicate"),
    ("no command", ""),
    (
        "eclaim from after to",
        "export eclaim --from 2026-02-01 --to 2026-01-01 --out {out} --db {good}",
    ),
    ("eclaim year 1", "export eclaim --from 0001-01-01 --to 2026-01-01 --out {out} --db {good}"),
    ("eclaim year 9999", "export eclaim --from 2026-01-01 --to 9999-12-31 --out {out} --db {good}"),
    ("eclaim not a date", "export eclaim --from yesterday --to 2026-01-01 --out {out} --db {good}"),
    (
        "eclaim BE year 2400",
        "export eclaim --from 2400-01-01 --to 2026-01-01 --out {out} --db {good}",
    ),
    (
        "eclaim workers 0",
        "export eclaim {range} --out {out} --workers 0 --db {good}",
    ),
    (
        "eclaim workers 1000",
        "export eclaim {range} --out {out} --workers 1000 --db {good}",
    ),
    (
        "eclaim workers text",
        "export eclaim {range} --out {out} --workers many --db {good}",
    ),
    (
        "eclaim db not a url",
        "export eclaim {range} --out {out} --db not-a-url",
    ),
    (
        "eclaim db postgresql",
        "export eclaim {range} --out {out} --db postgresql://x@y/z",
    ),
    (
        "eclaim db in a missing folder",
        "export eclaim {range} --out {out} --db {missing_dir_db}",
    ),
    (
        "eclaim without visit table",
        "export eclaim {range} --out {out} --db {novisit}",
    ),
    (
        "eclaim out is a file",
        "export eclaim {range} --out {text_file} --db {good}",
    ),
    (
        "eclaim out under /proc",
        "export eclaim {range} --out /proc/jhcis-out --db {good}",
    ),
    (
        "eclaim rules missing",
        "export eclaim {range} --out {out} --rules {tmp}/no.toml --db {good}",
    ),
    (
        "eclaim rules not TOML",
        "export eclaim {range} --out {out} --rules {not_toml} --db {good}",
    ),
    ("eclaim missing --out", "export eclaim {range} --db {good}"),
    (
        "ssop session -5",
        "export ssop {range} --out {out} --session -5 --db {good}",
    ),
    (
        "ssop session 0",
        "export ssop {range} --out {out} --session 0 --db {good}",
    ),
    (
        "ssop session 10000",
        "export ssop {range} --out {out} --session 10000 --db {good}",
    ),
    ("ssop from after to", "export ssop --from 2026-02-01 --to 2026-01-01 --out {out} --db {good}"),
    (
        "ssop without visit table",
        "export ssop {range} --out {out} --db {novisit}",
    ),
    ("check a missing path", "export check {tmp}/none"),
    ("check a text file", "export check {text_file}"),
    ("eclaim-uploads db not a url", "export eclaim-uploads --db not-a-url"),
    ("eclaim-uploads limit text", "export eclaim-uploads --limit x --db {good}"),
    ("due days 0", "reminders due --days 0 --db {good}"),
    ("due days -1", "reminders due --days -1 --db {good}"),
    ("due days text", "reminders due --days seven --db {good}"),
    ("due date 9999", "reminders due --date 9999-12-31 --db {good}"),
    ("due db not a url", "reminders due --db not-a-url"),
    ("due kind unknown", "reminders due --kind flu --db {good}"),
    ("missed lookback 0", "reminders missed --lookback 0 --db {good}"),
    ("missed lookback text", "reminders missed --lookback ninety --db {good}"),
    ("duplicates date year 1", "reminders duplicates --date 0001-01-01 --db {good}"),
    ("pdf into a missing folder", "reminders pdf --out {tmp}/no/such/list.pdf --db {good}"),
    ("pdf days huge", "reminders pdf --days 10000000 --out {tmp}/l.pdf --db {good}"),
    ("send quiet hours 25:00", "reminders send --quiet-hours 25:00-26:00 --dry-run --db {good}"),
    ("send days huge", "reminders send --days 10000000 --dry-run --db {good}"),
    ("send channel unknown", "reminders send --channel fax --db {good}"),
    ("log since year 1", "reminders log --since 0001-01-01 --db {good}"),
    ("optout person bad", "reminders optout --person bad --db {good}"),
    ("optout person pid text", "reminders optout --person 99901:abc --db {good}"),
    ("release without channel", "reminders release --key x --db {good}"),
    ("due without visit table", "reminders due --db {novisit}"),
    ("claims sync date year 1", "claims sync --date 0001-01-01 --db {good}"),
    ("claims sync to year 9999", "claims sync --date 2026-01-01 --to 9999-01-01 --db {good}"),
    ("claims sync db not a url", "claims sync --date 2026-01-01 --db not-a-url"),
    (
        "close-right visit text",
        "claims close-right {range} --visit x --db {good}",
    ),
    ("moph kind unknown", "claims moph {range} --kind flu --db {good}"),
    ("moph from year 1", "claims moph --from 0001-01-01 --to 2026-01-01 --db {good}"),
    ("close-right-cancel without visit", "claims close-right-cancel --db {good}"),
    ("doctor db in a missing folder", "doctor --db {missing_dir_db}"),
    ("doctor db mysql unreachable", "doctor --db mysql+pymysql://u:p@127.0.0.1:1/x"),
    ("staff role unknown role", "staff role t_admin god --db {good}"),
    ("staff role unknown account", "staff role nobody-here admin --db {good}"),
    ("staff role without visit-less db", "staff role t_admin admin --db not-a-url"),
    ("jhcis grants role unknown", "jhcis grants --role root --user x"),
    ("serve cert without key", "serve --tls-cert {cert} --db {good}"),
    ("serve key without cert", "serve --tls-key {key} --db {good}"),
    ("serve missing pair", "serve --tls-cert {tmp}/x.crt --tls-key {tmp}/x.key --db {good}"),
    ("serve mismatched pair", "serve --tls-cert {cert} --tls-key {other_key} --db {good}"),
    ("serve redirect without TLS", "serve --http-redirect-port 18080 --db {good}"),
    ("serve port 70000", "serve --port 70000 --db {good}"),
    ("serve db not a url", "serve --db not-a-url"),
    ("tls ensure into /proc", "tls ensure --dir /proc/jhcis-tls"),
    ("audit verify db not a url", "audit verify --db not-a-url"),
    ("retention purge db in a missing folder", "retention purge --db {missing_dir_db}"),
)


def cases(w: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The command lines with the world's paths filled in."""
    made = []
    for name, line in CASES:
        argv = shlex.split(line.removeprefix("@").format(**w))
        made.append((name, argv if line.startswith("@") else ["--config", w["ok"], *argv]))
    return made


def run_case(case: tuple[str, list[str]]) -> tuple[str, int, str]:
    name, argv = case
    try:
        done = backoffice(*argv, timeout=120)
    except subprocess.TimeoutExpired:
        return name, 0, "did not stop: no error at all"
    return name, done.returncode, done.stdout + done.stderr


def test_no_bad_input_ends_in_a_traceback(world: dict[str, str]) -> None:
    todo = cases(world)
    assert len(todo) >= 70
    workers = max(2, min(6, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_case, todo))
    offenders = []
    for name, code, output in results:
        problems = []
        if "Traceback" in output:
            problems.append("traceback")
        if code == 0:
            problems.append("exit 0")
        if code == 70 or "cli.unexpected" in output or "Something unexpected failed" in output:
            problems.append("only the catch-all")
        if not THAI.search(output):
            problems.append("no Thai")
        if len(ENGLISH_WORDS.findall(output)) < 4:
            problems.append("no English")
        if problems:
            offenders.append(f"{name} (exit {code}): {', '.join(problems)}\n{output[-600:]}")
    print(f"{len(results)} bad-input cases, {len(offenders)} offenders")
    assert offenders == [], "\n\n".join(offenders)

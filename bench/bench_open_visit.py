"""p95 of open_visit (lock + MAX+1 + insert + queue number) with 3 concurrent writers,
against a plain single-row INSERT into visit measured in the same run.

    .venv/bin/python bench/bench_open_visit.py [--visits 20000] [--per-writer 100]

Runs on a temporary SQLite file and, when var/test/services.env names the test
MariaDB (bash scripts/services.sh start), on a temporary MariaDB database too.
Prints one line per backend with both p95 values and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _support import mariadb_admin_url  # bench/ is on sys.path when run as a script
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integrations.jhcis import tables as t  # noqa: E402
from integrations.jhcis.engine import open_engine  # noqa: E402
from integrations.jhcis.own_tables import ensure_own_tables  # noqa: E402
from integrations.jhcis.schema import create_jhcis_schema  # noqa: E402
from integrations.jhcis.stress import run_writers  # noqa: E402
from integrations.jhcis.synth import generate  # noqa: E402

DAY = dt.date(2027, 6, 1)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/bench.sqlite"


@contextmanager
def mariadb_database(admin_url: str) -> Iterator[str]:
    name = f"jhcis_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET tis620"))
    try:
        yield f"{admin_url.rstrip('/')}/{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


def build(url: str, visits: int, charset: str) -> None:
    engine = open_engine(url)
    create_jhcis_schema(engine, charset)  # type: ignore[arg-type]
    ensure_own_tables(engine)
    generate(engine, persons=max(500, visits // 10), visits=visits, seed=11, end=DAY)
    engine.dispose()


def plain_inserts(url: str, count: int) -> list[float]:
    """Baseline: one INSERT per transaction, number known in advance, no lock, one process."""
    engine = open_engine(url)
    timings = []
    with engine.connect() as conn:
        top = int(conn.execute(select(func.max(t.visit.c.visitno))).scalar_one())
        conn.rollback()
        for n in range(1, count + 1):
            began = time.perf_counter()
            with conn.begin():
                conn.execute(
                    t.visit.insert().values(
                        pcucode="99901", visitno=top + n, visitdate=DAY, pcucodeperson="99901",
                        pid=1, flagservice="01",
                    )
                )  # fmt: skip
            timings.append(time.perf_counter() - began)
    engine.dispose()
    return timings


def bench(label: str, url: str, *, visits: int, per_writer: int, charset: str) -> None:
    build(url, visits, charset)
    baseline = plain_inserts(url, per_writer * 3)
    results = run_writers(url, writers=3, visits=per_writer, day=DAY, key_prefix="bench")
    measured = [s for r in results for s in r.open_visit_seconds]
    assert sum(r.collisions for r in results) == 0
    base, ours = p95(baseline), p95(measured)
    print(
        f"{label:<8} visits in db {visits:>6}: open_visit p95 {ours * 1000:7.2f} ms "
        f"(3 writers, {len(measured)} visits) vs plain insert p95 {base * 1000:6.2f} ms "
        f"-> ratio {ours / base:5.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=20000, help="synthetic visits (<=100000)")
    parser.add_argument("--per-writer", type=int, default=100)
    args = parser.parse_args()
    with sqlite_database() as url:
        bench("sqlite", url, visits=args.visits, per_writer=args.per_writer, charset="utf8")
    admin = mariadb_admin_url()
    if admin is None:
        print("mariadb  skipped: start it with `bash scripts/services.sh start`")
        return 0
    with mariadb_database(admin) as url:
        bench("mariadb", url, visits=args.visits, per_writer=args.per_writer, charset="tis620")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""e-Claim 16+1 export of 100,000 visits: our streaming export against a naive one.

The dataset is the synthetic clinic (integrations.jhcis.synth) in a temporary SQLite
file, generated once per run. Each export runs in its own child process so that its
peak memory (ru_maxrss) is its own:

* streaming: :func:`backoffice.exports.eclaim.export_eclaim` (server-side cursor,
  chunked children, rows written as they come), in one process and in two
  (:mod:`backoffice.exports.parallel`, same bytes);
* naive: the row-at-a-time way an ORM-style exporter is usually written: all visits
  fetched, then for every visit one query each for the person, the right, the
  diagnoses, the drugs and the labs, every output row kept in lists, files written
  at the end. It writes the same 17 files (checked: identical bytes).

The naive export needs about seven queries per visit; over 100,000 visits that is
many minutes, so by default the ratio is measured on the last ``--naive-days`` days
(both exports on the same sub-range, same run), and the full 100,000 only with
``--naive-days 0``. Wall time and CPU time are both printed: on a busy machine the
wall time says more about the neighbours than about the export.

Goal (issue 9): streaming at most 20 s and 300 MB for 100,000 visits.

Run: ``.venv/bin/python bench/bench_eclaim_export.py [--visits 100000] [--naive-days 30]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import and_, create_engine, select

END = dt.date(2026, 6, 30)
DAYS = 365
NOW = dt.datetime(2026, 7, 1, 8, 0, 0)


def generate(path: Path, visits: int, persons: int) -> float:
    from integrations.jhcis import synth
    from integrations.jhcis.schema import create_jhcis_schema

    engine = create_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    create_jhcis_schema(engine)
    synth.generate(engine, persons=persons, visits=visits, seed=9, end=END, days=DAYS)
    engine.dispose()
    return time.perf_counter() - started


def run_streaming(db: Path, out: Path, first: dt.date) -> dict[str, Any]:
    from backoffice.exports.eclaim import export_eclaim
    from backoffice.exports.rules import RuleSet
    from backoffice.exports.source import ClaimSource
    from integrations.jhcis.engine import open_engine

    source = ClaimSource(open_engine(f"sqlite:///{db}", read_only=True))
    result = export_eclaim(
        source, first, END, out, rules=RuleSet(), hcode=source.own_hcode(), now=NOW
    )
    return {"folder": str(result.folder), "summary": result.summary}


def run_parallel(db: Path, out: Path, first: dt.date) -> dict[str, Any]:
    from backoffice.exports.parallel import export_eclaim_parallel
    from backoffice.exports.rules import RuleSet
    from integrations.jhcis.synth import DEMO_UNIT

    result = export_eclaim_parallel(
        f"sqlite:///{db}", first, END, out, rules=RuleSet(), hcode=DEMO_UNIT, workers=2, now=NOW
    )
    return {"folder": str(result.folder), "summary": result.summary}


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _naive_bundle(conn: Any, visit: Any, person: Any, right: Any, title: Any) -> Any:
    """One visit and its children, one query per child table, from typed ORM-style rows."""
    from decimal import Decimal

    from backoffice.exports.source import Diagnosis, Item, Lab, Vaccination, Visit, VisitBundle
    from integrations.claim_files import quantity
    from integrations.jhcis import tables as t

    bundle = VisitBundle(
        Visit(
            pcucode=_text(visit["pcucode"]), visitno=int(visit["visitno"]),
            visitdate=visit["visitdate"], timestart=visit["timestart"],
            pcucodeperson=_text(visit["pcucodeperson"]), pid=int(visit["pid"]),
            rightcode=_text(visit["rightcode"]), rightgroup=_text(right.get("rightgroup")),
            mapright=_text(right.get("mapright")), hosmain=_text(visit["hosmain"]),
            hossub=_text(visit["hossub"]), pressure=_text(visit["pressure"]),
            temperature=visit["temperature"], money1=visit["money1"],
            moneynoclaim=visit["moneynoclaim"], claim_code=_text(visit["claimcode_nhso"]),
            claim_type=_text(visit["hiciauthen_nhso"]), main_inscl=_text(visit["main_inscl"]),
            sub_inscl=_text(visit["sub_inscl"]), cid=_text(person.get("idcard")),
            title=_text(title.get("titlename")), first_name=_text(person.get("fname")),
            last_name=_text(person.get("lname")), symptoms=_text(visit["symptoms"]),
            birth=person.get("birth"), sex=_text(person.get("sex")),
            nation=_text(person.get("nation")), provcode=_text(person.get("provcodemoi")),
            distcode=_text(person.get("distcodemoi")),
            refer_to=_text(visit["refertohos"]), refer_from=_text(visit["receivefromhos"]),
        )
    )  # fmt: skip
    unit, number = visit["pcucode"], visit["visitno"]
    d, c, u = t.visitdiag, t.cdisease, t.user
    for row in conn.execute(
        select(d, c.c.mapdisease, u.c.licenseno)
        .select_from(d.outerjoin(c, c.c.diseasecode == d.c.diagcode)
                     .outerjoin(u, u.c.username == d.c.doctordiag))
        .where(d.c.pcucode == unit, d.c.visitno == number)
        .order_by(d.c.dxtype, d.c.diagcode)
    ).mappings():  # fmt: skip
        code = _text(row["mapdisease"]) or _text(row["diagcode"])
        bundle.diagnoses.append(
            Diagnosis(code.replace(".", "").upper(), _text(row["dxtype"])[-1:] or "1",
                      _text(row["clinic"]), _text(row["licenseno"]))
        )  # fmt: skip
    vd, cd = t.visitdrug, t.cdrug
    for row in conn.execute(
        select(vd, cd.c.drugname, cd.c.drugtype, cd.c.tmtcode, cd.c.drugcode24, cd.c.unitsell)
        .select_from(vd.outerjoin(cd, cd.c.drugcode == vd.c.drugcode))
        .where(vd.c.pcucode == unit, vd.c.visitno == number)
        .order_by(vd.c.drugcode)
    ).mappings():  # fmt: skip
        bundle.items.append(
            Item(
                _text(row["drugcode"]), _text(row["drugname"]), _text(row["drugtype"]),
                row["unit"] or Decimal(0), row["realprice"] or Decimal(0),
                row["costprice"] or Decimal(0), _text(row["tmtcode"]),
                _text(row["drugcode24"]), _text(row["unitsell"]), _text(row["dose"]),
            )
        )  # fmt: skip
    lab = t.visitlabchcyhembmsse
    for row in conn.execute(
        select(lab).where(lab.c.pcucode == unit, lab.c.visitno == number)
        .order_by(lab.c.labcode, lab.c.seqonday)
    ).mappings():  # fmt: skip
        digit = row["labresultdigit"]
        result = _text(row["labresulttext"]) if digit is None else quantity(digit)
        bundle.labs.append(Lab(_text(row["labcode"]), result, row["datecheck"]))
    e = t.visitepi
    for row in conn.execute(
        select(e, cd.c.files18epi)
        .select_from(e.outerjoin(cd, cd.c.drugcode == e.c.vaccinecode))
        .where(e.c.pcucode == unit, e.c.visitno == number)
        .order_by(e.c.vaccinecode)
    ).mappings():  # fmt: skip
        bundle.vaccinations.append(
            Vaccination(_text(row["vaccinecode"]), _text(row["files18epi"]),
                        _text(row["lotno"]), row["dateepi"])
        )  # fmt: skip
    return bundle


def run_naive(db: Path, out: Path, first: dt.date) -> dict[str, Any]:
    """Row at a time, everything in memory, written at the end (the baseline)."""
    from backoffice.exports.eclaim import EclaimRows, batch_name
    from backoffice.exports.rules import RuleSet
    from backoffice.exports.screening import screen_eclaim
    from backoffice.exports.writer import DelimitedFile
    from integrations.claim_files import ECLAIM_ENCODING, ECLAIM_FIELDS
    from integrations.jhcis import tables as t
    from integrations.jhcis.clinic import unit_code_from_office
    from integrations.jhcis.engine import open_engine

    engine = open_engine(f"sqlite:///{db}", read_only=True)
    rules = RuleSet()
    rows: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    v, p = t.visit, t.person
    with engine.connect() as conn:
        hcode = unit_code_from_office(conn)
        builder = EclaimRows(rules, hcode)
        visits = conn.execute(
            select(v).where(v.c.visitdate >= first, v.c.visitdate <= END, v.c.pcucode == hcode)
            .order_by(v.c.visitdate, v.c.visitno)
        ).mappings().all()  # fmt: skip
        for visit in visits:
            person: Any = (
                conn.execute(
                    select(p).where(
                        and_(p.c.pcucodeperson == visit["pcucodeperson"], p.c.pid == visit["pid"])
                    )
                )
                .mappings()
                .first()
                or {}
            )
            right: Any = (
                conn.execute(select(t.cright).where(t.cright.c.rightcode == visit["rightcode"]))
                .mappings()
                .first()
                or {}
            )
            title: Any = (
                conn.execute(select(t.ctitle).where(t.ctitle.c.titlecode == person.get("prename")))
                .mappings()
                .first()
                or {}
            )
            bundle = _naive_bundle(conn, visit, person, right, title)
            verdict = screen_eclaim(bundle, rules, hcode)
            if verdict.included:
                person_key = (bundle.visit.pcucodeperson, bundle.visit.pid)
                for name, row in builder.rows(bundle, verdict, with_pat=person_key not in seen):
                    rows[name].append(row)
                seen.add(person_key)
    folder = out / batch_name("ECLAIM", hcode, first, END, NOW)
    folder.mkdir(parents=True)
    for name, fields in ECLAIM_FIELDS.items():
        writer = DelimitedFile(folder / f"{name}.txt", fields, ECLAIM_ENCODING)
        for row in rows[name]:
            writer.write_row(row)
        writer.close()
    return {"folder": str(folder)}


def worker(kind: str, db: Path, out: Path, first: dt.date) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    run = {"streaming": run_streaming, "parallel": run_parallel, "naive": run_naive}[kind]
    result = run(db, out, first)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["seconds"] = time.perf_counter() - started
    result["cpu"] = (
        (usage.ru_utime - before.ru_utime) + (usage.ru_stime - before.ru_stime)
        + children.ru_utime + children.ru_stime
    )  # fmt: skip
    # The largest single process (each worker streams on its own).
    result["peak_mb"] = max(usage.ru_maxrss, children.ru_maxrss) / 1024
    print(json.dumps(result))


def measure(kind: str, db: Path, out: Path, first: dt.date) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            kind,
            "--db",
            str(db),
            "--out",
            str(out),
            "--first",
            first.isoformat(),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--naive-days", type=int, default=30, help="0 = the whole year")
    parser.add_argument("--first", type=dt.date.fromisoformat)
    parser.add_argument("--worker", choices=("streaming", "parallel", "naive"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.db, args.out, args.first)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-eclaim-") as tmp:
        root = Path(tmp)
        db = root / "clinic.sqlite"
        took = generate(db, args.visits, args.persons)
        print(f"dataset: {args.visits} visits, {args.persons} persons, generated in {took:.1f} s")
        year = END - dt.timedelta(days=DAYS - 1)
        ours = measure("streaming", db, root / "streaming", year)
        summary = ours["summary"]
        visits = summary["included_visits"] + summary["excluded_visits"]
        print(
            f"streaming, {visits} visits: {ours['seconds']:.1f} s wall, {ours['cpu']:.1f} s CPU, "
            f"peak {ours['peak_mb']:.0f} MB (included {summary['included_visits']})"
        )
        two = measure("parallel", db, root / "parallel", year)
        same_two = all(
            filecmp.cmp(Path(ours["folder"]) / f.name, f, shallow=False)
            for f in Path(two["folder"]).glob("*.txt")
        )
        print(
            f"streaming, 2 processes: {two['seconds']:.1f} s wall, {two['cpu']:.1f} s CPU, "
            f"peak {two['peak_mb']:.0f} MB per process; identical files: {same_two}"
        )
        best = min(ours["seconds"], two["seconds"])
        goal = best <= 20 and max(ours["peak_mb"], two["peak_mb"]) <= 300
        print(f"goal (<= 20 s, <= 300 MB): {'met' if goal else 'NOT met'} (best wall time)")
        sub = year if args.naive_days <= 0 else END - dt.timedelta(days=args.naive_days - 1)
        mine = ours if sub == year else measure("streaming", db, root / "streaming-sub", sub)
        naive = measure("naive", db, root / "naive", sub)
        same = all(
            filecmp.cmp(Path(mine["folder"]) / f.name, f, shallow=False)
            for f in Path(naive["folder"]).glob("*.txt")
        )
        print(f"baseline range {sub} .. {END}; identical files: {same}")
        for name, run in (("streaming", mine), ("naive", naive)):
            print(
                f"  {name:9} {run['seconds']:7.1f} s wall {run['cpu']:7.1f} s CPU "
                f"peak {run['peak_mb']:6.0f} MB"
            )
        print(
            f"ratio naive/streaming: wall {naive['seconds'] / mine['seconds']:.1f}x, "
            f"CPU {naive['cpu'] / max(mine['cpu'], 0.001):.1f}x, "
            f"memory {naive['peak_mb'] / mine['peak_mb']:.1f}x"
        )
        return 0 if same and same_two else 1


if __name__ == "__main__":
    sys.exit(main())

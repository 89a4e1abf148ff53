"""The e-Claim export on several cores: contiguous date slices, merged in order.

Each worker process runs :func:`backoffice.exports.eclaim.export_eclaim` on one
slice of the range (slices hold about the same number of visits), writing a part
folder. The parts are then concatenated in date order, so the batch is byte for byte
what one process would have written: PAT keeps a person's first row only (a
person's PAT row is the same line wherever it comes from), the report's CSV and
JSON are streamed part after part, and the counters are summed. Memory stays flat:
nothing is read whole except the PAT lines already written, as a set of lines.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backoffice.exports import report as r
from backoffice.exports.eclaim import BatchResult, batch_name, export_eclaim
from backoffice.exports.rules import RuleSet
from backoffice.exports.source import ClaimSource
from backoffice.exports.writer import new_batch_build
from common.private_files import private_opener
from integrations.claim_files import ECLAIM_FIELDS
from integrations.jhcis import tables as t
from integrations.jhcis.engine import open_engine

MIN_VISITS_PER_WORKER = 10_000  # below this, starting processes costs more than it saves


def slices(
    url: str, hcode: str, date_from: dt.date, date_to: dt.date, parts: int
) -> list[tuple[dt.date, dt.date]]:
    """Contiguous day ranges with about the same number of visits each."""
    engine = open_engine(url, read_only=True)
    v = t.visit.c
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(v.visitdate, func.count())
                .where(v.visitdate >= date_from, v.visitdate <= date_to, v.pcucode == hcode)
                .group_by(v.visitdate)
                .order_by(v.visitdate)
            ).all()
            per_day: list[tuple[dt.date, int]] = [
                (row[0], int(row[1])) for row in found if row[0] is not None
            ]
    finally:
        engine.dispose()
    total = sum(n for _day, n in per_day)
    if parts < 2 or total < parts * MIN_VISITS_PER_WORKER or len(per_day) < parts:
        return [(date_from, date_to)]
    out: list[tuple[dt.date, dt.date]] = []
    start, running, target = date_from, 0, total / parts
    for index, (day, n) in enumerate(per_day):
        running += n
        remaining_days = len(per_day) - index - 1
        if running >= target * (len(out) + 1) and len(out) < parts - 1 and remaining_days:
            out.append((start, day))
            start = per_day[index + 1][0]
    out.append((start, date_to))
    return out


def _part(job: dict[str, Any]) -> dict[str, Any]:
    source = ClaimSource(open_engine(job["url"], read_only=True))
    try:
        result = export_eclaim(
            source, job["start"], job["end"], Path(job["out"]),
            rules=job["rules"], hcode=job["hcode"], fdh=job["fdh"], dry_run=job["dry_run"],
            now=job["now"], zip_batch=False,
        )  # fmt: skip
    finally:
        source.engine.dispose()
    return {
        "folder": str(result.folder),
        "files": result.files,
        "summary": result.summary,
        "sample": [p.as_dict() for p in result.sample],
    }


def _merge_text(target: Path, parts: list[Path], *, dedupe: bool) -> int:
    """Header of the first part, then every part's lines; returns the data rows written."""
    seen: set[bytes] = set()
    rows = 0
    with open(target, "wb", opener=private_opener) as out:
        for index, part in enumerate(parts):
            with part.open("rb") as handle:
                header = handle.readline()
                if index == 0:
                    out.write(header)
                for line in handle:
                    if dedupe:
                        if line in seen:
                            continue
                        seen.add(line)
                    out.write(line)
                    rows += 1
    return rows


def _merge_json(target: Path, parts: list[Path], summary: dict[str, Any]) -> None:
    first = True
    with open(target, "w", encoding="utf-8", opener=private_opener) as out:
        out.write('{"problems": [\n')
        for part in parts:
            with part.open(encoding="utf-8") as handle:
                handle.readline()  # {"problems": [
                for line in handle:
                    if line.startswith('], "summary"'):
                        break
                    record = line.rstrip("\n").removesuffix(",")
                    if record:
                        out.write(("" if first else ",\n") + record)
                        first = False
        out.write('\n], "summary": ' + json.dumps(summary, ensure_ascii=False) + "}\n")


def _sum(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in ("included_visits", "excluded_visits", "visits_with_warnings"):
        merged[key] = sum(int(s[key]) for s in summaries)
    for key in ("by_category", "problems", "included_because"):
        total: Counter[str] = Counter()
        for s in summaries:
            total.update(s[key])
        merged[key] = dict(sorted(total.items()))
    return merged


def export_eclaim_parallel(
    url: str,
    date_from: dt.date,
    date_to: dt.date,
    out_dir: Path,
    *,
    rules: RuleSet,
    hcode: str,
    workers: int = 2,
    fdh: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> BatchResult:
    """One batch, as :func:`export_eclaim` writes it, from `workers` processes."""
    moment = now or dt.datetime.now()
    ranges = slices(url, hcode, date_from, date_to, workers)
    if len(ranges) == 1:
        source = ClaimSource(open_engine(url, read_only=True))
        try:
            return export_eclaim(
                source, date_from, date_to, out_dir, rules=rules, hcode=hcode, fdh=fdh,
                dry_run=dry_run, now=moment,
            )  # fmt: skip
        finally:
            source.engine.dispose()
    name = batch_name("FDH" if fdh else "ECLAIM", hcode, date_from, date_to, moment)
    build = None if dry_run else new_batch_build(out_dir, name)[1]
    name = build.name if build is not None else name
    # The parts are written inside the batch's own private folder (a dry run writes none).
    scratch = build.folder / ".parts" if build is not None else out_dir / f".{name}.parts"
    jobs = [
        {"url": url, "start": start, "end": end, "out": str(scratch / str(index)),
         "rules": rules, "hcode": hcode, "fdh": fdh, "dry_run": dry_run, "now": moment}
        for index, (start, end) in enumerate(ranges)
    ]  # fmt: skip
    try:
        try:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded server
            with ProcessPoolExecutor(max_workers=len(jobs), mp_context=context) as pool:
                results = list(pool.map(_part, jobs))
            summary = _sum([res["summary"] for res in results])
            counts: Counter[str] = Counter()
            if build is None:
                for res in results:
                    counts.update(res["files"])
            else:
                folder = build.folder
                part_folders = [Path(res["folder"]) for res in results]
                for key in ECLAIM_FIELDS:
                    counts[key] = _merge_text(
                        folder / f"{key}.txt",
                        [p / f"{key}.txt" for p in part_folders],
                        dedupe=key == "PAT",
                    )
                parts_csv = [p / "report.csv" for p in part_folders]
                _merge_text(folder / "report.csv", parts_csv, dedupe=False)
                parts_json = [p / "report.json" for p in part_folders]
                _merge_json(folder / "report.json", parts_json, summary)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        zip_path = None
        if build is not None:
            zip_path = build.finish([build.folder / f"{k}.txt" for k in ECLAIM_FIELDS])
    except BaseException:
        if build is not None:
            build.abandon()
        raise
    sample = [r.Problem(**p) for res in results for p in res["sample"]][:200]
    target = build.target if build is not None else None
    return BatchResult(
        name=name,
        folder=target,
        zip_path=zip_path,
        report_csv=target / "report.csv" if target else None,
        report_json=target / "report.json" if target else None,
        files=dict(counts),
        summary=summary,
        sample=sample,
        dry_run=dry_run,
    )

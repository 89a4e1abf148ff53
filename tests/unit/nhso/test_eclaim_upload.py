"""The e-Claim API client and the batch split, with fakes (no network, no services).

The same behaviour over real HTTP against the sandbox is in
tests/integration/nhso/test_eclaim_upload_http.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import OperationalError

from backoffice.exports import eclaim_ledger as ledger
from common.errors import BilingualError
from integrations.claim_files import ECLAIM_FIELDS, ECLAIM_FILES
from integrations.nhso import eclaim_upload
from integrations.nhso.eclaim_errors import (
    ECLAIM_ERRORS,
    EclaimBadBatch,
    EclaimDuplicate,
    EclaimLoginFailed,
    EclaimNotConfigured,
    EclaimNotRecorded,
    EclaimRejected,
    EclaimTooLarge,
    EclaimUnsendableRight,
)
from integrations.nhso.eclaim_upload import (
    FILE_KEYS,
    EclaimApiClient,
    Part,
    batch_encoding,
    check_size,
    read_batch,
    request_body,
    split_by_right,
)
from integrations.nhso.errors import NhsoUnavailable
from integrations.nhso.ratelimit import TokenBucket

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "exports" / "eclaim"
BASE = "https://nhso.test/FMU/ecimp/v1/"


def golden_files() -> dict[str, bytes]:
    return read_batch(GOLDEN)


def data_lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)[1:]


# -- the split --------------------------------------------------------------------------


def test_a_mixed_batch_splits_into_one_part_per_right_and_loses_no_row() -> None:
    files = golden_files()
    parts = split_by_right(files)
    # The golden batch has UCS (one of them a WEL welfare visit, written as UCS since
    # issue 18) and LGO visits.
    assert [p.maininscl for p in parts] == ["LGO", "UCS"]
    assert [p.visits for p in parts] == [1, 3]
    for name in ECLAIM_FILES:
        header = files[name].splitlines(keepends=True)[0]
        assert all(p.files[name].splitlines(keepends=True)[0] == header for p in parts)
        if name == "PAT":
            continue  # one row per person, in every part the person has visits in
        together = sorted(line for p in parts for line in data_lines(p.files[name]))
        assert together == sorted(data_lines(files[name])), name
    ucs_ins = data_lines(parts[1].files["INS"])
    assert {line.split(b"|")[1] for line in ucs_ins} == {b"UCS"}
    # another producer's WEL row (JHCIS's own export, an older batch) still goes as UCS
    wel = dict(files)
    wel["INS"] = files["INS"].replace(b"|UCS|74|", b"|WEL|74|")
    assert [p.maininscl for p in split_by_right(wel)] == ["LGO", "UCS"]


def test_pat_rows_follow_their_person() -> None:
    parts = {p.maininscl: p for p in split_by_right(golden_files())}
    for part in parts.values():
        ins_hns = {line.split(b"|")[0] for line in data_lines(part.files["INS"])}
        pat_hns = {line.split(b"|")[1] for line in data_lines(part.files["PAT"])}
        assert pat_hns == ins_hns


def test_content_checksum_ignores_the_batch_name_but_not_a_byte(tmp_path: Path) -> None:
    again = tmp_path / "ECLAIM_99901_other_name"
    shutil.copytree(GOLDEN, again)
    first = [p.content_sha256 for p in split_by_right(golden_files())]
    assert [p.content_sha256 for p in split_by_right(read_batch(again))] == first
    changed = dict(golden_files())
    changed["CHA"] = changed["CHA"].replace(b".00", b".01", 1)
    assert [p.content_sha256 for p in split_by_right(changed)] != first


def transcoded(files: dict[str, bytes], *, line_end: bytes = b"\r\n") -> dict[str, bytes]:
    """The same visits as an FDH batch writes them: UTF-8 (optionally other line ends)."""
    return {
        name: data.decode("cp874").encode("utf-8").replace(b"\r\n", line_end)
        for name, data in files.items()
    }


def test_the_same_visits_in_utf8_or_with_lf_lines_are_the_same_content() -> None:
    files = golden_files()
    windows = split_by_right(files)
    utf8 = split_by_right(transcoded(files), encoding="utf-8")
    assert any(b"\xe0" in data for data in utf8[1].files.values())  # Thai really is there
    assert [p.content_sha256 for p in utf8] == [p.content_sha256 for p in windows]
    assert utf8[1].checksums != windows[1].checksums  # the bytes differ
    lf = split_by_right(transcoded(files, line_end=b"\n"), encoding="utf-8")
    assert [p.content_sha256 for p in lf] == [p.content_sha256 for p in windows]
    bom = transcoded(files)
    bom["PAT"] = b"\xef\xbb\xbf" + bom["PAT"]
    assert split_by_right(bom, encoding="utf-8")[1].content_sha256 == windows[1].content_sha256
    # The windows-874 export wrote "?" for the drug name's "✓" that FDH's UTF-8 keeps.
    assert "ยาหอม ?".encode("cp874") in files["DRU"]
    symbol = transcoded(files)
    symbol["DRU"] = symbol["DRU"].replace("ยาหอม ?".encode(), "ยาหอม ✓".encode())
    with_symbol = split_by_right(symbol, encoding="utf-8")
    assert [p.content_sha256 for p in with_symbol] == [p.content_sha256 for p in windows]
    changed = transcoded(files)
    changed["CHA"] = changed["CHA"].replace(b".00", b".01", 1)  # one amount of one visit
    assert {p.content_sha256 for p in split_by_right(changed, encoding="utf-8")} != {
        p.content_sha256 for p in windows
    }
    with pytest.raises(EclaimBadBatch, match="not utf-8 text"):
        split_by_right(files, encoding="utf-8")  # windows-874 bytes declared UTF-8


def test_a_right_the_api_does_not_take_is_refused_not_dropped() -> None:
    files = dict(golden_files())
    files["INS"] = files["INS"].replace(b"|LGO|", b"|STP|")
    with pytest.raises(EclaimUnsendableRight) as caught:
        split_by_right(files)
    assert "STP" in caught.value.en and "STP" in caught.value.th


def test_a_row_of_no_visit_or_a_broken_line_is_a_bad_batch(tmp_path: Path) -> None:
    files = dict(golden_files())
    files["ODX"] += b"99|20260302|01|J00|1||1990000000019|999\r\n"  # SEQ 999 is no visit
    with pytest.raises(EclaimBadBatch, match=r"ODX\.txt line"):
        split_by_right(files)
    files = dict(golden_files())
    files["OPD"] += b"1|2|3\r\n"
    with pytest.raises(EclaimBadBatch, match="not 15 fields"):
        split_by_right(files)
    (tmp_path / "INS.txt").write_bytes(b"")
    with pytest.raises(EclaimBadBatch, match="missing"):
        read_batch(tmp_path)


def test_the_body_carries_17_base64_blobs_in_the_batch_encoding() -> None:
    part = split_by_right(golden_files())[1]
    body = request_body(part, encoding="cp874", import_dup=False)
    assert body["fileType"] == "txt" and body["maininscl"] == "UCS"
    assert body["dataTypes"] == ["OP"] and body["importDup"] is False
    assert set(body["file"]) == set(FILE_KEYS.values()) and len(body["file"]) == 17
    lab = body["file"]["lab"]
    assert lab["blobName"] == "LABFU.txt" and lab["encoding"] == "windows-874"
    for name, key in FILE_KEYS.items():
        blob = body["file"][key]
        raw = base64.b64decode(blob["blob"], validate=True)
        assert raw == part.files[name] and blob["size"] == len(raw)
        assert raw.decode("cp874").startswith("|".join(ECLAIM_FIELDS[name]) + "\r\n")
    assert request_body(part, encoding="utf-8", import_dup=True)["file"]["pat"]["encoding"] == (
        "UTF-8"
    )
    assert batch_encoding(Path("FDH_99901_x")) == "utf-8"
    assert batch_encoding(Path("ECLAIM_99901_x")) == "cp874"


def test_the_size_limit_counts_the_request_as_sent() -> None:
    part = split_by_right(golden_files())[1]
    body = request_body(part, encoding="cp874", import_dup=False)
    wire = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    assert check_size(part, body) == wire
    assert check_size(part, body, limit=wire) == wire
    with pytest.raises(EclaimTooLarge) as caught:
        check_size(part, body, limit=wire - 1)
    assert "UCS" in caught.value.en and "MB" in caught.value.th


def test_errors_speak_both_languages_with_unique_codes() -> None:
    codes = [cls.code for cls in ECLAIM_ERRORS]
    assert len(codes) == len(set(codes))
    for cls in ECLAIM_ERRORS:
        error = cls("detail")
        assert isinstance(error, BilingualError) and error.code.startswith("nhso.eclaim.")
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in error.th) and error.en.isascii()


# -- the client, against a fake NHSO ------------------------------------------------------


class FakeNhso:
    """Answers auth and send; `send_answers` are consumed in order, then 200 Successful."""

    def __init__(self, send_answers: list[tuple[int, object]] | None = None) -> None:
        self.send_answers = list(send_answers or [])
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/auth"):
            body = json.loads(request.content)
            if body != {"username": "1909900123450", "password": "pw"}:
                return httpx.Response(401, json={"status": 401, "message": "bad login"})
            self.tokens += 1
            return httpx.Response(200, json={"token": f"token-{self.tokens}"})
        if self.send_answers:
            status, answer = self.send_answers.pop(0)
            if isinstance(answer, bytes):  # a body as a gateway might mangle it
                return httpx.Response(status, content=answer)
            return httpx.Response(status, json=answer)
        return httpx.Response(200, json={"status": 200, "message": "Successful"})

    def sends(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/send")]


def client_for(fake: Callable[[httpx.Request], httpx.Response], **kw: object) -> EclaimApiClient:
    options: dict[str, object] = {
        "username": "1909900123450", "password": "pw", "hcode": "99901", **kw,
    }  # fmt: skip
    return EclaimApiClient(
        BASE, limiter=TokenBucket(1000),
        transport=httpx.MockTransport(fake), **options,  # type: ignore[arg-type]
    )  # fmt: skip


def small_body() -> dict[str, object]:
    part = Part("UCS", {name: golden_files()[name] for name in ECLAIM_FILES}, 1)
    return request_body(part, encoding="cp874", import_dup=False)


def test_token_is_fetched_once_and_sent_as_bearer_with_the_user_agent() -> None:
    fake = FakeNhso()
    with client_for(fake) as client:
        assert client.send(small_body()).message == "Successful"
        client.send(small_body())
    assert fake.tokens == 1
    for request in fake.sends():
        assert request.headers["authorization"] == "Bearer token-1"
        assert request.headers["user-agent"] == "JHCIS-Kiosk/0.1 99901"
        assert request.headers["content-type"] == "application/json"


def test_a_refused_token_is_renewed_once() -> None:
    fake = FakeNhso([(401, {"status": 401, "message": "expired"})])
    with client_for(fake) as client:
        assert client.send(small_body()).status == "200"
    assert fake.tokens == 2
    assert [r.headers["authorization"] for r in fake.sends()] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    fake = FakeNhso([(401, {}), (401, {})])
    with client_for(fake) as client, pytest.raises(EclaimLoginFailed):
        client.send(small_body())
    assert len(fake.sends()) == 2  # never a third time


def test_login_problems_are_told_apart() -> None:
    fake = FakeNhso()
    with client_for(fake, password="wrong") as client, pytest.raises(EclaimLoginFailed):
        client.send(small_body())
    assert fake.sends() == []
    with client_for(fake, username=None) as client, pytest.raises(EclaimNotConfigured):
        client.token()
    with pytest.raises(EclaimNotConfigured):
        client_for(fake, hcode="123")


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [
        (409, {"status": 409, "message": "พบข้อมูลซ้ำ"}, EclaimDuplicate),
        (200, {"status": 400, "message": "Duplicate data found"}, EclaimDuplicate),
        (400, {"status": 400, "message": "INS: bad field"}, EclaimRejected),
        (413, {"status": 413, "message": "too large"}, EclaimTooLarge),
    ],
)
def test_refusals_are_classified(status: int, answer: object, error: type[Exception]) -> None:
    with client_for(FakeNhso([(status, answer)])) as client, pytest.raises(error):
        client.send(small_body())


HTML = b"<html><body>502 Bad Gateway</body></html>"


@pytest.mark.parametrize(
    ("status", "answer", "code"),
    [
        (200, HTML, "nhso.malformed_response"),
        (200, [1, 2], "nhso.malformed_response"),
        (202, {"status": 200, "message": "Accepted"}, "nhso.eclaim.rejected"),
        (200, {"status": 500, "message": "internal error"}, "nhso.eclaim.rejected"),
        (200, {"status": 413, "message": "too large"}, "nhso.eclaim.too_large"),
        (200, {"status": 400, "message": "Duplicate data found"}, "nhso.eclaim.duplicate"),
    ],
)
def test_any_error_on_a_2xx_may_have_been_processed(status: int, answer: object, code: str) -> None:
    with client_for(FakeNhso([(status, answer)])) as client, pytest.raises(BilingualError) as err:
        client.send(small_body())
    assert err.value.code == code
    assert getattr(err.value, "maybe_processed", None) is True


def test_a_2xx_whose_body_cannot_be_decoded_may_have_been_processed() -> None:
    def garbled(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth"):
            return httpx.Response(200, json={"token": "token-1"})
        # A proxy said gzip and sent something else: httpx raises DecodingError.
        return httpx.Response(200, content=b"not gzip", headers={"Content-Encoding": "gzip"})

    with client_for(garbled) as client, pytest.raises(NhsoUnavailable) as caught:
        client.send(small_body())
    assert caught.value.maybe_processed is True


def test_a_4xx_refusal_was_not_processed() -> None:
    for status in (400, 409, 413, 422):
        fake = FakeNhso([(status, {"status": status, "message": "no"})])
        with client_for(fake) as client, pytest.raises(BilingualError) as caught:
            client.send(small_body())
        assert getattr(caught.value, "maybe_processed", None) is False, status


def test_a_server_error_may_have_been_processed_and_cids_never_reach_the_detail() -> None:
    fake = FakeNhso([(503, {"message": "down"})])
    with client_for(fake) as client, pytest.raises(NhsoUnavailable) as caught:
        client.send(small_body())
    assert caught.value.maybe_processed
    cid_message = {"status": 400, "message": "CID 1909900123450 invalid"}
    fake = FakeNhso([(400, cid_message)])
    with client_for(fake) as client, pytest.raises(EclaimRejected) as rejected:
        client.send(small_body())
    assert "1909900123450" not in rejected.value.detail


# -- the ledger: never the same content twice -------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    db = create_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield db
    db.dispose()


def rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        table = ledger.kiosk_eclaim_upload
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def upload(engine: Engine, fake: FakeNhso, *, resend: bool = False) -> ledger.UploadReport:
    with client_for(fake) as client:
        return ledger.EclaimUploader(engine, client, sent_by="test").upload(
            GOLDEN, encoding="cp874", resend=resend
        )


def codes(report: ledger.UploadReport) -> list[object]:
    return [(p.maininscl, p.status, p.error.code if p.error else None) for p in report.parts]


def import_dups(fake: FakeNhso) -> list[bool]:
    return [json.loads(r.content)["importDup"] for r in fake.sends()]


def test_each_part_is_recorded_and_never_sent_twice(engine: Engine) -> None:
    fake = FakeNhso()
    first = upload(engine, fake)
    assert first.ok and codes(first) == [("LGO", "sent", None), ("UCS", "sent", None)]
    recorded = rows(engine)
    assert [(r["maininscl"], r["status"], r["attempts"]) for r in recorded] == [
        ("LGO", "sent", 1),
        ("UCS", "sent", 1),
    ]
    assert recorded[1]["content_sha256"] == first.parts[1].content_sha256
    assert set(json.loads(str(recorded[1]["file_checksums"]))) == set(ECLAIM_FILES)
    assert recorded[1]["answer_message"] == "Successful" and recorded[1]["sent_by"] == "test"
    second = upload(engine, fake)
    assert not second.ok
    assert codes(second) == [
        ("LGO", "refused", "nhso.eclaim.already_sent"),
        ("UCS", "refused", "nhso.eclaim.already_sent"),
    ]
    assert len(fake.sends()) == 2 and len(rows(engine)) == 2
    # NHSO acknowledged it: not even --resend sends it again.
    again = upload(engine, fake, resend=True)
    assert {c[1:] for c in codes(again)} == {("refused", "nhso.eclaim.already_sent")}
    refusal = again.parts[0].error
    assert refusal is not None and "not even with --resend" in refusal.en
    assert len(fake.sends()) == 2 and len(rows(engine)) == 2


def test_the_same_visits_exported_as_utf8_are_not_sent_again(
    engine: Engine, tmp_path: Path
) -> None:
    fake = FakeNhso()
    assert upload(engine, fake).ok
    fdh = tmp_path / "FDH_99901_same_visits"
    fdh.mkdir()
    for name, data in transcoded(golden_files()).items():
        (fdh / f"{name}.txt").write_bytes(data)
    with client_for(fake) as client:
        again = ledger.EclaimUploader(engine, client).upload(fdh, encoding=batch_encoding(fdh))
    assert {c[1:] for c in codes(again)} == {("refused", "nhso.eclaim.already_sent")}
    assert len(fake.sends()) == 2


def test_a_refused_part_may_go_again_but_an_unanswered_one_only_with_resend(
    engine: Engine,
) -> None:
    fake = FakeNhso([(400, {"status": 400, "message": "LGO: bad"}), (503, {"message": "down"})])
    report = upload(engine, fake)
    assert codes(report) == [
        ("LGO", "failed", "nhso.eclaim.rejected"),
        ("UCS", "unknown", "nhso.unavailable"),
    ]
    retry = upload(engine, fake)
    assert codes(retry) == [
        ("LGO", "sent", None),
        ("UCS", "refused", "nhso.eclaim.outcome_unknown"),
    ]
    resent = upload(engine, fake, resend=True)
    assert codes(resent) == [
        ("LGO", "refused", "nhso.eclaim.already_sent"),  # sent is never sent again
        ("UCS", "sent", None),
    ]
    assert [(r["maininscl"], r["attempts"], r["status"]) for r in rows(engine)] == [
        ("LGO", 1, "failed"),
        ("UCS", 1, "unknown"),
        ("LGO", 2, "sent"),
        ("UCS", 2, "sent"),
    ]


def test_an_unreadable_2xx_is_unknown_and_the_next_run_refuses_it(engine: Engine) -> None:
    fake = FakeNhso([(200, HTML), (200, {"status": 400, "message": "UCS: bad"})])
    report = upload(engine, fake)
    assert codes(report) == [
        ("LGO", "unknown", "nhso.malformed_response"),
        ("UCS", "unknown", "nhso.eclaim.rejected"),
    ]
    assert [(r["status"], r["error_code"]) for r in rows(engine)] == [
        ("unknown", "nhso.malformed_response"),
        ("unknown", "nhso.eclaim.rejected"),
    ]
    again = upload(engine, fake)
    assert {c[1:] for c in codes(again)} == {("refused", "nhso.eclaim.outcome_unknown")}
    assert len(fake.sends()) == 2  # nothing went a second time on its own
    resent = upload(engine, fake, resend=True)
    assert resent.ok and import_dups(fake) == [False, False, True, True]


@pytest.mark.parametrize(
    ("status", "age_s", "plan"),
    [
        ("sent", 0, "nhso.eclaim.already_sent"),
        ("sent", ledger.IN_PROGRESS_S * 10, "nhso.eclaim.already_sent"),
        ("sending", 60, "nhso.eclaim.in_progress"),
        ("sending", ledger.IN_PROGRESS_S + 60, (4, True)),
        ("unknown", 0, (4, True)),
        ("duplicate", 0, (4, True)),
        ("failed", 0, (4, True)),
    ],
)
def test_what_resend_may_send_again(engine: Engine, status: str, age_s: int, plan: object) -> None:
    part = split_by_right(golden_files())[0]
    ledger.ensure_eclaim_tables(engine)
    moment = dt.datetime(2026, 3, 2, 12, 0)
    then = moment - dt.timedelta(seconds=age_s)
    with engine.begin() as conn:
        conn.execute(
            ledger.kiosk_eclaim_upload.insert().values(
                hcode="99901", batch="b", maininscl=part.maininscl,
                content_sha256=part.content_sha256, attempts=3, import_dup=False,
                status=status, file_checksums="{}", created_at=then, updated_at=then,
            )
        )  # fmt: skip
    try:
        got: object = ledger._plan(engine, "99901", part, resend=True, moment=moment)
    except BilingualError as refused:
        got = refused.code
    assert got == plan


def test_a_crash_between_send_and_record_blocks_a_silent_second_send(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNhso()

    def database_gone(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE", {}, Exception("gone"))

    monkeypatch.setattr(ledger, "set_row", database_gone)
    with pytest.raises(EclaimNotRecorded):
        upload(engine, fake)
    monkeypatch.undo()
    assert len(fake.sends()) == 1  # it went out, and then we stopped
    assert [r["status"] for r in rows(engine)] == ["sending"]
    assert codes(upload(engine, fake))[0] == ("LGO", "refused", "nhso.eclaim.in_progress")
    later = dt.datetime.now() + dt.timedelta(seconds=ledger.IN_PROGRESS_S + 60)
    monkeypatch.setattr(ledger, "now", lambda: later)
    assert codes(upload(engine, fake))[0] == ("LGO", "refused", "nhso.eclaim.outcome_unknown")
    assert len(fake.sends()) == 2  # only UCS, which had never been sent
    assert upload(engine, fake, resend=True).parts[0].status == "sent"
    assert import_dups(fake)[-1] is True


def test_an_interrupt_mid_send_leaves_unknown(engine: Engine) -> None:
    def interrupted(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send"):
            raise KeyboardInterrupt
        return FakeNhso()(request)

    with client_for(interrupted) as client, pytest.raises(KeyboardInterrupt):
        ledger.EclaimUploader(engine, client).upload(GOLDEN, encoding="cp874")
    assert [(r["status"], r["error_code"]) for r in rows(engine)] == [("unknown", "internal")]


def test_a_second_upload_while_one_is_sending_is_refused(engine: Engine) -> None:
    inside, release = threading.Event(), threading.Event()
    base = FakeNhso()

    def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send"):
            inside.set()
            release.wait(5)
        return base(request)

    results: list[ledger.UploadReport] = []
    first = threading.Thread(target=lambda: results.append(upload(engine, slow)))  # type: ignore[arg-type]
    first.start()
    assert inside.wait(5)
    try:
        racing = upload(engine, FakeNhso())
    finally:
        release.set()
        first.join(5)
    # Each part went exactly once, by whichever upload got to it first.
    assert codes(racing) == [
        ("LGO", "refused", "nhso.eclaim.in_progress"),
        ("UCS", "sent", None),
    ]
    assert codes(results[0]) == [
        ("LGO", "sent", None),
        ("UCS", "refused", "nhso.eclaim.already_sent"),
    ]


def test_nothing_is_sent_when_the_ledger_or_the_size_says_no(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNhso()

    def no_insert(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("read-only"))

    monkeypatch.setattr(ledger, "take_slot", no_insert)
    report = upload(engine, fake)
    assert {p.error.code for p in report.parts if p.error} == {"nhso.eclaim.ledger_unavailable"}
    monkeypatch.undo()
    monkeypatch.setattr(eclaim_upload, "MAX_REQUEST_BYTES", 1000)
    with pytest.raises(EclaimTooLarge):
        upload(engine, fake)
    assert fake.sends() == [] and rows(engine) == []


# -- which NHSO, which account ----------------------------------------------------------


def test_the_client_from_settings_picks_url_and_account(tmp_path: Path) -> None:
    from backoffice.testing import scratch_settings
    from common.secrets import Secrets
    from integrations.nhso.sandbox import DEFAULT_ECLAIM_USERNAME

    settings = scratch_settings(tmp_path, nhso_url="http://127.0.0.1:4567/nhsoendpoint/")
    with eclaim_upload.client_from_settings(settings, Secrets(), hcode="99901") as client:
        assert client.base_url == "http://127.0.0.1:4567/FMU/ecimp/v1/"
        assert client._username == DEFAULT_ECLAIM_USERNAME  # the sandbox's public login
    own = Secrets(nhso_eclaim_username="1909900123450", nhso_eclaim_password="pw")
    explicit = "https://tnhsoapi.nhso.go.th/ecimp/v1/"
    with eclaim_upload.client_from_settings(
        settings, own, hcode="99901", base_url=explicit
    ) as client:
        assert client.base_url == explicit and client._username == "1909900123450"
    with (
        eclaim_upload.client_from_settings(
            settings, Secrets(), hcode="99901", base_url=explicit
        ) as client,
        pytest.raises(EclaimNotConfigured),
    ):
        client.token()  # outside sandbox mode the sandbox login never stands in
    endpoint = settings.model_copy(
        update={"nhso": settings.nhso.model_copy(update={"mode": "endpoint"})}
    )
    with eclaim_upload.client_from_settings(endpoint, own, hcode="99901") as client:
        assert client.base_url == eclaim_upload.PROD_BASE


def test_the_command_leaves_the_url_to_the_settings() -> None:
    from backoffice.cli import build_parser

    day = ["--from", "2026-03-02", "--to", "2026-03-02", "--out", "batches"]
    args = build_parser().parse_args(["export", "eclaim", *day, "--upload-nhso"])
    assert args.nhso_eclaim_url is None  # client_from_settings: sandbox mode, sandbox URL
    explicit = ["export", "eclaim", *day, "--nhso-eclaim-url", eclaim_upload.TEST_BASE]
    assert build_parser().parse_args(explicit).nhso_eclaim_url == eclaim_upload.TEST_BASE

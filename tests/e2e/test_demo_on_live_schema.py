"""`make demo` pointed at a JHCIS with the live schema's foreign keys, widths and NOT NULLs.

The headless demo runs as its own process against a tis620 MariaDB clinic built from
the reconstruction (which now carries the live keys), once in strict and once in
lenient ``sql_mode`` (JHCIS's bundled MySQL runs lenient). The strict run uses a card
whose first name is longer than ``person.fname``: it is fitted by the visible rule,
the card's full name kept in ``kiosk_person_card``. Both runs must complete the
check-in, and the visit must name the configured provider, a real JHCIS account.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, select

from integrations.jhcis import tables as t
from integrations.jhcis.own_tables import kiosk_person_card
from integrations.jhcis.synth import DEMO_PROVIDER
from kiosk.wiring import demo_profile_path
from tests.e2e.conftest import run_headless_demo

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
LONG_FIRST = "ปรารถนาดีศรีสุวรรณภูมิพิพัฒน์มงคล"  # 33 characters; person.fname holds 25
MODES = {
    "strict": "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION",
    "lenient": "NO_ENGINE_SUBSTITUTION",
}


def card_profile(tmp_path: Path, first_name: str | None) -> Path:
    data = json.loads(demo_profile_path().read_text(encoding="utf-8"))
    data["photo"] = str(demo_profile_path().with_name(data["photo"]))
    if first_name:
        data["first_name_th"] = first_name
    path = tmp_path / "card.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_demo_checks_in_on_the_live_schema(
    mode: str,
    mariadb_databases,
    tmp_path: Path,
    vpcd_slot: int,  # type: ignore[no-untyped-def]
) -> None:
    url = mariadb_databases.jhcis("tis620")
    init = quote(f"SET SESSION sql_mode='{MODES[mode]}'")
    long_name = mode == "strict"
    out = tmp_path / "out"
    env = {
        "KIOSK_DATABASE__URL": f"{url}?init_command={init}",
        "KIOSK_KIOSK__PROVIDER": DEMO_PROVIDER,
        "KIOSK_CARD__SIMULATOR_PROFILE": str(
            card_profile(tmp_path, LONG_FIRST if long_name else None)
        ),
    }
    done = run_headless_demo(tmp_path, out, env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["completed"] and summary["claim_code"], summary
    visitno = summary["database_row"]["visitno"]

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(t.visit.c.username, t.visit.c.pcucodeperson, t.visit.c.pid).where(
                    t.visit.c.visitno == visitno
                )
            ).one()
            fname = conn.execute(
                select(t.person.c.fname).where(
                    t.person.c.pcucodeperson == row.pcucodeperson, t.person.c.pid == row.pid
                )
            ).scalar()
            kept = conn.execute(
                select(kiosk_person_card.c.first_name).where(kiosk_person_card.c.pid == row.pid)
            ).scalar()
    finally:
        engine.dispose()
    assert row.username == DEMO_PROVIDER
    if long_name:
        assert LONG_FIRST.startswith(fname) and len(fname) <= 25
        assert kept == LONG_FIRST
    else:
        assert kept is None  # nothing was cut, nothing kept aside

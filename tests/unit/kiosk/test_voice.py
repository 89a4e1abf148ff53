"""The voice as an observer of the flow: which clip at which step, reminders, quiet
hours, clinic clips, volume, and a kiosk that goes on when sound fails.

The flow runs on the in-memory fakes (kiosk.testing) and a RecordingPlayer notes what it
was asked to play; the clips are small WAV files written here. espeak-ng and the real
aplay are exercised in tests/integration/kiosk/test_voice_engine.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import wave
from array import array
from pathlib import Path
from types import SimpleNamespace

import pytest

from common.config import ConfigError, Settings, load_settings
from common.quiet_hours import QuietHours
from common.speech import wav
from kiosk import flow as f
from kiosk.controller import Controller
from kiosk.effects import Effects, SyncDriver
from kiosk.testing import GENERAL, HOME_WARD, FakeWorld
from kiosk.voice.announcer import Announcer
from kiosk.voice.catalogue import PROMPTS, TONES, describe, file_names
from kiosk.voice.clips import ClipLibrary
from kiosk.voice.cues import plan
from kiosk.voice.player import AplayPlayer, RecordingPlayer
from kiosk.voice.settings import VoiceSettings, voice_settings
from kiosk.voice.wiring import start_voice

ROOT = Path(__file__).resolve().parents[3]
MORNING = dt.datetime(2026, 11, 25, 9, 30)
CLIP_RATE = 8000
CLIP_LEVEL = 10000


def write_clips(folder: Path, level: int = CLIP_LEVEL) -> Path:
    """Every clip of the catalogue as a short square-ish WAV file (0.1 s)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in file_names():
        samples = array("h", [level, -level] * (CLIP_RATE // 20))
        wav.write_pcm16(folder / name, wav.Pcm16(CLIP_RATE, 1, samples))
    return folder


class Rig:
    """Flow + fakes inline, the announcer fed every published state like a listener."""

    def __init__(
        self,
        world: FakeWorld,
        tmp_path: Path,
        settings: VoiceSettings | None = None,
        now: dt.datetime = MORNING,
    ) -> None:
        self.world = world
        self.player = RecordingPlayer()
        self.seconds = 0.0
        self.library = ClipLibrary([write_clips(tmp_path / "clips")])
        self.driver = SyncDriver(
            f.Flow(), Effects(world.services(), pcucode="99999"), clock=lambda: now
        )
        self.announcer = Announcer(
            self.library,
            self.player,
            settings,
            clock=lambda: now,
            monotonic=lambda: self.seconds,
        )
        self.announcer.follow(self.driver.state)

    def send(self, *events: f.Event) -> f.FlowState:
        for event in events:
            seen = len(self.driver.history)
            last = self.driver.state
            self.driver.send(event)
            for state in self.driver.history[seen:]:
                if state != last:  # the controller calls listeners only on a change
                    self.announcer.observe(state)
                    last = state
        self.announcer.run_pending()
        return self.driver.state

    def later(self, seconds: float) -> None:
        self.seconds += seconds
        self.announcer.run_pending()

    @property
    def heard(self) -> list[str]:
        return self.player.names

    def heard_since(self, count: int) -> list[str]:
        return self.player.names[count:]


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld()
    w.clinic.add_person(w.card.identity, mobile="0812345678")
    return w


def to_end_screen(rig: Rig) -> f.FlowState:
    """Card in, through whichever choice screens the flow shows, to the end screen."""
    state = rig.send(f.CardInserted("c1"))
    if state.step == f.Step.RIGHTS_CHECKED:
        state = rig.send(f.ClaimTypeChosen(GENERAL.code))
    if state.step == f.Step.CLAIM_TYPE_CHOSEN:
        assert state.session is not None
        if state.session.one_touch:
            state = rig.send(f.MobileConfirmed())
        else:
            state = rig.send(f.MobileEntered("0812345678"))
    return state


# --- the catalogue and its documentation ---------------------------------------------


def test_catalogue_names_are_unique_and_described() -> None:
    names = file_names()
    assert len(names) == len(set(names)) == 2 * len(PROMPTS) + len(TONES)
    for name in names:
        assert describe(name), name
    for prompt in PROMPTS:
        assert re.search(r"[\u0e00-\u0e7f]", prompt.th), f"{prompt.name} has no Thai text"
        assert prompt.en.isascii(), prompt.name


def test_readme_names_every_clip_a_clinic_may_replace() -> None:
    readme = (ROOT / "kiosk" / "README.md").read_text(encoding="utf-8")
    missing = [name for name in file_names() if f"`{name}`" not in readme]
    assert missing == []
    for prompt in PROMPTS:  # the texts, as the clinic will hear them
        assert prompt.th in readme, prompt.name


# --- which clip at which step --------------------------------------------------------


def test_returning_patient_hears_each_step(world: FakeWorld, tmp_path: Path) -> None:
    rig = Rig(world, tmp_path)
    state = rig.send(f.CardInserted("c1"))
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN
    assert rig.heard == ["tone_card_read.wav", "confirm_mobile.th.wav"]
    assert rig.send(f.MobileConfirmed()).step == f.Step.DONE
    assert rig.heard[2:] == ["take_ticket_and_card.th.wav"]
    rig.send(f.CardRemoved())
    assert rig.heard[3:] == ["insert_card.th.wav"]  # once, for the next patient
    rig.later(60)
    assert len(rig.heard) == 4  # idle is never a loop


def test_choice_and_keypad_prompts(tmp_path: Path) -> None:
    world = FakeWorld()
    world.clinic.add_person(world.card.identity, mobile=None)
    world.rights.claim_types = (GENERAL, HOME_WARD)
    rig = Rig(world, tmp_path)
    state = rig.send(f.CardInserted("c1"))
    assert state.step == f.Step.RIGHTS_CHECKED
    assert rig.heard == ["tone_card_read.wav", "choose_claim_type.th.wav"]
    state = rig.send(f.ClaimTypeChosen(HOME_WARD.code))
    assert state.step == f.Step.CLAIM_TYPE_CHOSEN
    assert rig.heard[2:] == ["enter_mobile.th.wav"]
    rig.send(f.PatientActive(), f.PatientActive())  # keypad digits: nothing to say
    assert len(rig.heard) == 3
    rig.send(f.MobileEntered("12345"))
    assert rig.heard[3:] == ["tone_error.wav", "enter_mobile.th.wav"]
    assert rig.send(f.MobileEntered("0891112222")).step == f.Step.DONE
    assert rig.heard[5:] == ["take_ticket_and_card.th.wav"]


def test_changing_the_number_on_file(world: FakeWorld, tmp_path: Path) -> None:
    rig = Rig(world, tmp_path)
    rig.send(f.CardInserted("c1"))
    rig.send(f.MobileEditRequested())
    assert rig.heard[-1] == "enter_mobile.th.wav"
    rig.send(f.MobileEditCancelled())
    assert rig.heard[-1] == "confirm_mobile.th.wav"


def test_language_switch_says_the_step_again_in_english(world: FakeWorld, tmp_path: Path) -> None:
    rig = Rig(world, tmp_path)
    rig.send(f.CardInserted("c1"))
    rig.send(f.LanguageToggled())
    assert rig.heard == ["tone_card_read.wav", "confirm_mobile.th.wav", "confirm_mobile.en.wav"]
    rig.send(f.MobileConfirmed())
    assert rig.heard[-1] == "take_ticket_and_card.en.wav"


def test_take_the_card_is_repeated_until_it_is_out(world: FakeWorld, tmp_path: Path) -> None:
    rig = Rig(world, tmp_path, VoiceSettings(repeat_s=4))
    state = to_end_screen(rig)
    assert state.step == f.Step.DONE
    start = len(rig.heard)
    assert rig.heard[-1] == "take_ticket_and_card.th.wav"
    rig.later(2)
    assert len(rig.heard) == start  # not before the pause is over
    rig.later(2.5)  # the clip (0.1 s) and 4 s of silence later
    rig.later(4.5)
    assert rig.heard_since(start) == ["take_ticket_and_card.th.wav"] * 2
    # The end screen times out with the card still in: the reminder goes on, shorter.
    state = rig.send(f.Timeout(state.seq))
    assert state.step == f.Step.IDLE and state.card_present
    assert rig.heard[-1] == "take_card.th.wav"
    rig.later(4.5)
    assert rig.heard[-2:] == ["take_card.th.wav"] * 2
    rig.send(f.CardRemoved())
    assert rig.heard[-1] == "insert_card.th.wav"
    count = len(rig.heard)
    rig.later(30)
    assert len(rig.heard) == count


def test_a_cancelled_checkin_says_so_and_asks_for_the_card_once(
    world: FakeWorld, tmp_path: Path
) -> None:
    rig = Rig(world, tmp_path)
    rig.send(f.CardInserted("c1"))
    state = rig.send(f.CardRemoved())
    assert state.step == f.Step.CANCELLED and not state.card_present
    state = rig.send(f.Timeout(state.seq))
    assert state.step == f.Step.IDLE
    assert rig.heard == ["tone_card_read.wav", "confirm_mobile.th.wav", "cancelled.th.wav"]


def test_the_countdown_asks_whether_the_patient_is_still_there(
    world: FakeWorld, tmp_path: Path
) -> None:
    rig = Rig(world, tmp_path)
    state = rig.send(f.CardInserted("c1"))
    state = rig.send(f.Timeout(state.seq))  # the first timeout warns
    assert state.warning
    assert rig.heard[-1] == "still_there.th.wav"


def test_counter_and_card_error_have_the_error_tone(tmp_path: Path) -> None:
    world = FakeWorld()
    world.clinic.add_person(world.card.identity)
    world.rights.claim_types = ()
    rig = Rig(world, tmp_path)
    assert rig.send(f.CardInserted("c1")).step == f.Step.GO_TO_COUNTER
    assert rig.heard == ["tone_card_read.wav", "tone_error.wav", "go_to_counter.th.wav"]
    rig.later(10)
    assert rig.heard[-1] == "go_to_counter.th.wav" and len(rig.heard) == 4

    unreadable = FakeWorld()
    unreadable.card.unreadable()
    rig = Rig(unreadable, tmp_path / "second")
    assert rig.send(f.CardInserted("c2")).step == f.Step.CARD_ERROR
    assert rig.heard == ["tone_error.wav", "card_error.th.wav"]


def test_staff_mode_is_silent(world: FakeWorld, tmp_path: Path) -> None:
    rig = Rig(world, tmp_path)
    assert rig.send(f.StaffGesture()).step == f.Step.STAFF_PIN
    assert rig.send(f.StaffAction("back")).step == f.Step.IDLE
    assert rig.heard == []


def test_plans_are_pure_and_say_nothing_at_start_up() -> None:
    idle = f.FlowState()
    assert plan(None, idle).cues == ()
    reading = f.FlowState(step=f.Step.READING_CARD, card_present=True, seq=1)
    assert plan(idle, reading).cues == () and plan(idle, reading).reminder is None


# --- quiet hours -----------------------------------------------------------------------


def test_quiet_hours_silence_prompts_but_not_tones(world: FakeWorld, tmp_path: Path) -> None:
    quiet = VoiceSettings(quiet_hours="12:00-13:00")
    lunch = dt.datetime(2026, 11, 25, 12, 30)
    rig = Rig(world, tmp_path, quiet, now=lunch)
    to_end_screen(rig)
    rig.later(30)
    assert rig.heard == ["tone_card_read.wav"]
    # The same settings in the morning speak.
    fresh = FakeWorld()
    fresh.clinic.add_person(fresh.card.identity)
    morning = Rig(fresh, tmp_path / "morning", quiet, now=MORNING)
    morning.send(f.CardInserted("c9"))
    assert morning.heard[-1] == "confirm_mobile.th.wav"


@pytest.mark.parametrize(
    ("hours", "inside", "outside"),
    [
        ("12:00-13:00", ["12:00", "12:59"], ["11:59", "13:00"]),
        ("20:00-07:00", ["20:00", "23:59", "00:00", "06:59"], ["07:00", "19:59", "12:00"]),
    ],
)
def test_quiet_hours_may_run_past_midnight(
    hours: str, inside: list[str], outside: list[str]
) -> None:
    quiet = QuietHours.parse(hours)
    assert quiet is not None
    for moment in inside:
        assert quiet.contains(dt.time.fromisoformat(moment)), moment
    for moment in outside:
        assert not quiet.contains(dt.time.fromisoformat(moment)), moment


@pytest.mark.parametrize("bad", ["12-13", "24:00-01:00", "12:00-12:00", "noon", "12:00 13:00"])
def test_bad_quiet_hours_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        VoiceSettings(quiet_hours=bad)


def test_settings_come_from_the_kiosk_voice_section(tmp_path: Path) -> None:
    assert voice_settings(Settings()) == VoiceSettings()
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk.voice]\nvolume = 30\nquiet_hours = "20:00-07:00"\n', "utf-8")
    read = voice_settings(load_settings(config))
    assert read.volume == 30 and read.quiet_hours == "20:00-07:00"
    assert read.repeat_s == VoiceSettings().repeat_s
    config.write_text('[kiosk.voice]\nquiet_hours = "12:00-12:00"\n', "utf-8")
    with pytest.raises(ConfigError, match="quiet_hours"):
        load_settings(config)


# --- where clips come from, and how loud ---------------------------------------------


def test_a_clinic_recording_replaces_the_rendered_clip(world: FakeWorld, tmp_path: Path) -> None:
    rendered = write_clips(tmp_path / "rendered")
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    recorded = array("h", [3000] * 16000)
    wav.write_pcm16(clinic / "insert_card.th.wav", wav.Pcm16(16000, 1, recorded))
    library = ClipLibrary([clinic, rendered])
    assert library.path("insert_card.th.wav") == clinic / "insert_card.th.wav"
    assert library.path("insert_card.en.wav") == rendered / "insert_card.en.wav"
    # Through the announcer, at the end of a check-in, at 50 % volume.
    player = RecordingPlayer(tmp_path / "played")
    announcer = Announcer(ClipLibrary([clinic, rendered], volume=50), player)
    announcer.follow(f.FlowState())
    announcer.observe(f.FlowState(step=f.Step.DONE, card_present=True, seq=5))
    announcer.observe(f.FlowState(step=f.Step.IDLE, seq=6))
    announcer.run_pending()
    assert player.names == ["take_ticket_and_card.th.wav", "insert_card.th.wav"]
    pcm = wav.read_pcm16(tmp_path / "played" / "02-insert_card.th.wav")
    assert pcm is not None and pcm.rate == 16000
    assert set(pcm.samples) == {1500}  # the clinic's clip, at half its level
    listing = (tmp_path / "played" / "played.txt").read_text(encoding="utf-8")
    assert "02-insert_card.th.wav\tกรุณาเสียบบัตรประชาชน" in listing
    announcer.stop()


def test_volume_scales_16_bit_clips_and_leaves_others(tmp_path: Path) -> None:
    folder = write_clips(tmp_path / "clips")
    write_8bit(folder / "tone_error.wav")
    library = ClipLibrary([folder], volume=25)
    quiet = library.path("take_card.th.wav")
    assert quiet is not None and quiet.parent != folder
    pcm = wav.read_pcm16(quiet)
    assert pcm is not None and wav.peak(pcm.samples) == CLIP_LEVEL // 4
    assert library.path("tone_error.wav") == folder / "tone_error.wav"  # 8-bit: as it is
    work = quiet.parent
    library.close()
    assert not work.exists()


def write_8bit(path: Path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes([128, 200] * 400))


def test_missing_clips_are_reported_once_and_skipped(
    world: FakeWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "some"
    folder.mkdir()
    wav.write_pcm16(folder / "tone_card_read.wav", wav.Pcm16(8000, 1, array("h", [1] * 80)))
    library = ClipLibrary([folder])
    with caplog.at_level(logging.WARNING):
        missing = library.prepare()
    assert len(missing) == len(file_names()) - 1
    assert len([r for r in caplog.records if "clips missing" in r.getMessage()]) == 1
    player = RecordingPlayer()
    announcer = Announcer(library, player)
    announcer.follow(f.FlowState())
    announcer.observe(f.FlowState(step=f.Step.CARD_READ, card_present=True, seq=2))
    announcer.observe(f.FlowState(step=f.Step.DONE, card_present=True, seq=3))
    announcer.run_pending()
    assert player.names == ["tone_card_read.wav"]


# --- never in the flow's way ------------------------------------------------------------


def test_wired_to_the_controller_it_follows_a_real_checkin(
    world: FakeWorld, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    write_clips(tmp_path / "voice")  # <data_dir>/voice: where `kiosk voice render` writes
    controller = Controller(f.Flow(), Effects(world.services(), pcucode="99999"))
    player = RecordingPlayer()
    announcer = start_voice(settings, controller, player=player)
    assert announcer is not None
    controller.start()
    try:
        world.monitor.insert()
        controller.wait_for(lambda s: s.step == f.Step.CLAIM_TYPE_CHOSEN)
        controller.post(f.MobileConfirmed())
        controller.wait_for(lambda s: s.step == f.Step.DONE)
        world.monitor.remove()
        controller.wait_for(lambda s: s.step == f.Step.IDLE and not s.card_present)
        assert announcer.flush()
    finally:
        controller.stop()
        announcer.stop()
    assert player.names[:3] == [
        "tone_card_read.wav",
        "confirm_mobile.th.wav",
        "take_ticket_and_card.th.wav",
    ]
    assert player.names[-1] == "insert_card.th.wav"


def test_volume_zero_means_no_voice(world: FakeWorld, tmp_path: Path) -> None:
    controller = Controller(f.Flow(), Effects(world.services()))
    kiosk = SimpleNamespace(voice=VoiceSettings(volume=0))
    settings = SimpleNamespace(kiosk=kiosk, data_dir=tmp_path)
    assert start_voice(settings, controller) is None  # type: ignore[arg-type]


class BlockingPlayer(RecordingPlayer):
    """play() hangs until released: a stuck sound device."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def play(self, clip: Path) -> None:
        self.entered.set()
        self.release.wait(10)
        super().play(clip)


def test_a_stuck_player_never_holds_up_the_flow(world: FakeWorld, tmp_path: Path) -> None:
    player = BlockingPlayer()
    announcer = Announcer(ClipLibrary([write_clips(tmp_path / "clips")]), player).start()
    announcer.follow(f.FlowState())
    try:
        announcer.observe(f.FlowState(step=f.Step.CARD_READ, card_present=True, seq=1))
        assert player.entered.wait(5)
        # The player is stuck inside play(); the listener still returns at once.
        for seq in range(2, 50):
            announcer.observe(f.FlowState(step=f.Step.READING_CARD, card_present=True, seq=seq))
        assert player.names == []
    finally:
        player.release.set()
        announcer.stop()
    assert player.names == ["tone_card_read.wav"]


class BrokenPlayer(RecordingPlayer):
    def play(self, clip: Path) -> None:
        raise RuntimeError("sound card on fire")


def test_a_failing_player_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    announcer = Announcer(ClipLibrary([write_clips(tmp_path / "clips")]), BrokenPlayer())
    announcer.follow(f.FlowState())
    announcer.observe(f.FlowState(step=f.Step.CARD_READ, card_present=True, seq=1))
    with caplog.at_level(logging.ERROR):
        announcer.run_pending()
    assert "voice: playing failed" in caplog.text


def test_aplay_missing_is_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clip = write_clips(tmp_path / "clips") / "tone_error.wav"
    player = AplayPlayer(command=str(tmp_path / "no-such-aplay"))
    with caplog.at_level(logging.WARNING):
        player.play(clip)
        player.play(clip)
    assert not player.busy() and player.failing
    assert len([r for r in caplog.records if "no sound" in r.getMessage()]) == 1

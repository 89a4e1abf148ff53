import json
from pathlib import Path

import pytest

from hardware.card.applet import ThaiIdApplet
from hardware.card.layout import PHOTO
from hardware.card.profile import (
    DEMO_PROFILE,
    CardProfile,
    ProfileError,
    build_memory,
    build_nhso_memory,
)


def test_demo_profile_is_synthetic_and_complete() -> None:
    profile = CardProfile.load(DEMO_PROFILE)
    assert profile.photo is not None and profile.photo.startswith(b"\xff\xd8")
    assert len(profile.photo) < PHOTO.length
    assert build_nhso_memory(profile) is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cid": "1101700207030", "nickname": "x"}, "unknown profile keys"),
        ({"first_name_th": "ก"}, "needs a cid"),
        ({"cid": "1101700207030", "atr": "zz"}, "not hex"),
        ({"cid": "1101700207030", "photo": 5}, "file name"),
        ({"cid": "1101700207030", "photo": "missing.jpg"}, "unreadable"),
    ],
)
def test_bad_profile_dicts(data: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=message):
        CardProfile.from_dict(data, tmp_path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_name_th": "ก" * 101}, "longer than"),
        ({"first_name_en": "名前"}, "cannot carry"),
        ({"photo": b"\xff\xd8" + b"\x00" * PHOTO.length}, "photo is larger"),
        ({"nhso": {"colour": "red"}}, "unknown nhso keys"),
    ],
)
def test_profiles_a_card_cannot_hold(changes: dict[str, object], message: str) -> None:
    profile = CardProfile(cid="1101700207030", **changes)  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match=message):
        ThaiIdApplet(profile)


def test_load_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProfileError, match="cannot read profile"):
        CardProfile.load(broken)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(ProfileError, match="JSON object"):
        CardProfile.load(listed)


def test_photo_path_is_relative_to_the_profile(tmp_path: Path) -> None:
    (tmp_path / "face.jpg").write_bytes(b"\xff\xd8hello\xff\xd9")
    (tmp_path / "p.json").write_text(
        json.dumps({"cid": "1101700207030", "photo": "face.jpg"}), encoding="utf-8"
    )
    profile = CardProfile.load(tmp_path / "p.json")
    memory = build_memory(profile)
    assert memory[PHOTO.offset : PHOTO.offset + 9] == b"\xff\xd8hello\xff\xd9"

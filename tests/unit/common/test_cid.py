from hypothesis import given
from hypothesis import strategies as st

from common.cid import cid_check_digit, is_valid_cid, mask_cid, mask_name, mask_phone


def test_known_cids() -> None:
    assert is_valid_cid("1101700207030")
    assert is_valid_cid("1234567890121")
    assert not is_valid_cid("1101700230705")
    assert not is_valid_cid("123456789012")
    assert not is_valid_cid("12345678901a1")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_check_digit_makes_valid(first12: str) -> None:
    cid = first12 + str(cid_check_digit(first12))
    assert is_valid_cid(cid)
    wrong = first12 + str((cid_check_digit(first12) + 1) % 10)
    assert not is_valid_cid(wrong)


def test_masks() -> None:
    assert mask_cid("1101700207030") == "x-xxxx-xxxxx-03-0"
    assert "1101700207030" not in mask_cid("1101700207030")
    assert mask_phone("0812345678") == "08x-xxx-5678"
    assert mask_name("สมชาย", "ใจดี", "นาย") == "นาย สมชาย ใ•••"
    assert mask_name("Somchai", "Jaidee") == "Somchai J•••"
    # a consonant with a stacked mark keeps the mark
    assert mask_name("สมหญิง", "ปั้นดี") == "สมหญิง ปั้•••"

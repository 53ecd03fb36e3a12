"""The pure parts of the phone queue and prompts: the expected wait, numbers read aloud."""

from hypothesis import given
from hypothesis import strategies as st

from phone.prompts import spoken_number
from phone.queue import expected_wait_seconds


def test_the_expected_wait_shares_the_line_out_among_the_agents():
    assert expected_wait_seconds(1, 0, 240) == 240  # nobody in: as if one agent
    assert expected_wait_seconds(3, 1, 240) == 720
    assert expected_wait_seconds(3, 3, 240) == 240
    assert expected_wait_seconds(4, 3, 240) == 480


@given(st.integers(1, 5000), st.integers(0, 200), st.integers(1, 3600))
def test_further_back_never_waits_less(position, agents, handle):
    here = expected_wait_seconds(position, agents, handle)
    assert expected_wait_seconds(position + 1, agents, handle) >= here
    assert expected_wait_seconds(position, agents + 1, handle) <= here
    assert here >= handle


def test_a_number_is_read_digit_by_digit_in_its_national_form():
    assert spoken_number("+32470123456") == "0 4 7 0, 1 2, 3 4, 5 6"
    assert spoken_number("+3292100000") == "0 9, 2 1 0, 0 0, 0 0"
    assert spoken_number("+33612345678").startswith("+ 3 3")
    assert spoken_number(None) == ""

"""The pure rules for phone, e-mail, national register and KBO numbers, and the search box."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk import identifiers
from desk.errors import InvalidInput
from tests.record_data import JAN, LISA, dotted, kbo_number, national_number

nine_digits = st.from_regex(r"\A[0-9]{9}\Z")


@pytest.mark.parametrize(
    "typed",
    ["0470 12 34 56", "+32 470 12 34 56", "0032470123456", "0470/12.34.56", "+32 (0)470 123456"],
)
def test_every_way_of_typing_a_mobile_number_is_one_number(typed):
    assert identifiers.normalise_phone(typed) == "+32470123456"


def test_landline_and_foreign_numbers_normalise_too():
    assert identifiers.normalise_phone("02 279 22 11") == "+3222792211"
    assert identifiers.normalise_phone("+31 6 12345678") == "+31612345678"


@pytest.mark.parametrize("typed", ["", "12", "hello", "0470 12 34", "+32 470 12 34 56 78 90"])
def test_unusable_phone_numbers_are_refused_with_a_code(typed):
    with pytest.raises(InvalidInput) as refused:
        identifiers.normalise_phone(typed)
    assert refused.value.code == "invalid_phone"
    assert refused.value.field == "phone"


@given(st.from_regex(r"\A4[7-9][0-9]{7}\Z"))
def test_phone_forms_agree_and_normalising_is_idempotent(subscriber):
    national = "0" + subscriber
    spaced = f"0{subscriber[:3]} {subscriber[3:5]} {subscriber[5:7]} {subscriber[7:]}"
    e164 = identifiers.normalise_phone(national)
    assert identifiers.normalise_phone(spaced) == e164
    assert identifiers.normalise_phone("0032" + subscriber) == e164
    assert identifiers.normalise_phone(e164) == e164


def test_email_is_lower_cased_and_checked():
    assert identifiers.normalise_email("  Jan.Peeters@Example.ORG ") == "jan.peeters@example.org"
    with pytest.raises(InvalidInput) as refused:
        identifiers.normalise_email("jan@")
    assert refused.value.code == "invalid_email"


def test_known_national_numbers_before_and_after_2000():
    assert JAN == "85073003328"
    assert identifiers.national_number_is_valid(JAN)
    assert identifiers.national_number_is_valid(LISA)
    # LISA's check digits only hold under the born-from-2000 rule
    assert int(LISA[9:]) != 97 - int(LISA[:9]) % 97


@given(nine_digits, st.booleans())
def test_numbers_built_by_either_rule_validate_in_any_written_form(first_nine, born_2000):
    digits = national_number(first_nine, born_2000)
    assert identifiers.normalise_national_number(digits) == digits
    assert identifiers.normalise_national_number(dotted(digits)) == digits
    assert identifiers.normalise_national_number(digits[:6] + "-" + digits[6:]) == digits


@given(nine_digits, st.integers(min_value=0, max_value=99))
def test_wrong_check_digits_fail(first_nine, check):
    valid = {97 - int(first_nine) % 97, 97 - int("2" + first_nine) % 97}
    digits = f"{first_nine}{check:02d}"
    assert identifiers.national_number_is_valid(digits) == (check in valid)


@pytest.mark.parametrize("typed", ["85.07.30-033.29", "8507300332", "abc", "850730033288"])
def test_bad_national_numbers_are_refused(typed):
    with pytest.raises(InvalidInput) as refused:
        identifiers.normalise_national_number(typed)
    assert refused.value.code == "invalid_national_number"


@given(st.from_regex(r"\A0[0-9]{7}\Z"))
def test_kbo_numbers_with_and_without_leading_zero(first_eight):
    digits = kbo_number(first_eight)
    assert identifiers.normalise_kbo_number(digits) == digits
    assert identifiers.normalise_kbo_number("BE" + digits) == digits
    assert identifiers.normalise_kbo_number(f"{digits[:4]}.{digits[4:7]}.{digits[7:]}") == digits
    assert identifiers.normalise_kbo_number(digits[1:]) == digits  # old 9-digit form


def test_bad_kbo_number_is_refused():
    with pytest.raises(InvalidInput) as refused:
        identifiers.normalise_kbo_number("0403.170.702")
    assert refused.value.code == "invalid_kbo_number"


@given(nine_digits)
def test_masks_hide_the_birth_date_and_most_digits(first_nine):
    digits = national_number(first_nine)
    masked = identifiers.mask_identifier(identifiers.NATIONAL_NUMBER, digits)
    assert masked == f"**.**.**-*{digits[7:9]}.{digits[9:]}"
    assert digits[:7] not in masked.replace(".", "").replace("-", "")


def test_digest_is_keyed_and_stable():
    key_a, key_b = b"a" * 32, b"b" * 32
    digest = identifiers.identifier_digest("national_number", JAN, key_a)
    assert digest == identifiers.identifier_digest("national_number", JAN, key_a)
    assert digest != identifiers.identifier_digest("national_number", JAN, key_b)
    assert JAN not in digest


def test_identifier_key_prefers_the_dedicated_key():
    derived = identifiers.identifier_key({"SECRET_KEY": "s"})
    assert derived != b"s" and len(derived) == 32
    assert identifiers.identifier_key({"SECRET_KEY": "s", "IDENTIFIER_HASH_KEY": "k"}) == b"k"


def test_fold_name_ignores_case_accents_and_spacing():
    assert identifiers.fold_name("  Dirk  VAN Dâmme ") == "dirk van damme"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Jan@Example.org", [("email", "jan@example.org")]),
        ("0470 12 34 56", [("phone", "+32470123456")]),
        ("0032470123456", [("phone", "+32470123456")]),
        ("85.07.30-033.28", [("national_number", JAN)]),
        ("85073003328", [("national_number", JAN)]),
        ("Jöris  Peeters", [("name", "joris peeters")]),
        ("   ", []),
    ],
)
def test_search_keys_read_what_a_person_typed(query, expected):
    keys = identifiers.search_keys(query)
    for key in expected:
        assert key in keys
    if not expected:
        assert keys == []

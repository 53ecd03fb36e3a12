"""Checks on what a citizen types, shared by the forms, the API and the booking service."""

import re
from datetime import time

from flask_babel import lazy_gettext as _l

from core.text import hidden_characters
from desk import identifiers

MARKUP = re.compile(r"[<>{}\[\]\\]|[\x00-\x1f\x7f]|://")


class InvalidValue(ValueError):
    """The value cannot be used; the message says why in the user's language."""


def clean_name(value: str | None) -> str:
    if hidden_characters(value or ""):
        raise InvalidValue(_l("A name cannot contain invisible or control characters."))
    name = " ".join((value or "").split())
    if not name:
        raise InvalidValue(_l("Enter your name."))
    if len(name) > 200:
        raise InvalidValue(_l("Your name can be at most 200 characters."))
    if MARKUP.search(name):
        raise InvalidValue(
            _l("A name cannot contain characters such as < > { } [ ] or a web address.")
        )
    return name


def normalise_phone(value: str | None, region: str = "BE") -> str | None:
    """E.164, e.g. +32470123456; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    number = identifiers.e164(value, region)
    if number is None:
        raise InvalidValue(_l("Enter a valid phone number, such as 0470 12 34 56."))
    return number


def normalise_email(value: str | None) -> str | None:
    """Lower-cased, as the case record stores it; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    address = identifiers.mailbox(value)
    if address is None:
        raise InvalidValue(_l("Enter a valid e-mail address, such as name@example.be."))
    return address


def clean_national_number(value: str | None) -> str | None:
    """The Belgian national register number: 11 digits, the last two a mod-97 check."""
    digits = re.sub(r"[\s.\-]", "", value or "")
    if not digits:
        return None
    if not digits.isdigit() or len(digits) != 11:
        raise InvalidValue(_l("A national register number has 11 digits."))
    body, check = int(digits[:9]), int(digits[9:])
    # People born from 2000 on get a 2 in front of the first nine digits for the check.
    if 97 - body % 97 != check and 97 - int("2" + digits[:9]) % 97 != check:
        raise InvalidValue(_l("This national register number is not valid: check the digits."))
    return digits


PERIOD = re.compile(r"^(\d{1,2})[:.h](\d{2})\s*[-–]\s*(\d{1,2})[:.h](\d{2})$")


def parse_periods(value: str | None) -> list[tuple]:
    """ "08:30-12:00, 13:00-16:00" -> [(time, time), ...]; empty means closed."""
    periods = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        match = PERIOD.match(part)
        try:
            h1, m1, h2, m2 = (int(g) for g in match.groups()) if match else (None,) * 4
            opens, closes = time(h1, m1), time(h2, m2)
        except (TypeError, ValueError):
            raise InvalidValue(_l("Write hours as 08:30-12:00, 13:00-16:00.")) from None
        if closes <= opens:
            raise InvalidValue(_l("A period must close after it opens."))
        periods.append((opens, closes))
    periods.sort()
    for (_, first_end), (second_start, _) in zip(periods, periods[1:], strict=False):
        if second_start < first_end:
            raise InvalidValue(_l("Periods on one day may not overlap."))
    return periods

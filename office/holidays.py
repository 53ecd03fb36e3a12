"""Belgian public holidays, from the `holidays` package.

Every location is closed on them unless an exception for the date opens it (office.hours).
Reading a year costs the package some milliseconds, so each year is read once per process and
language; a year's holidays never change.
"""

import functools
from datetime import date

import holidays
from flask import has_request_context
from flask_babel import get_locale

COUNTRY = "BE"
# Our languages as the package names its translations of the Belgian holidays.
LANGUAGES = {"nl": "nl", "fr": "fr", "en": "en_US"}


@functools.lru_cache(maxsize=64)
def _year(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays(COUNTRY, years=year, language=language))


def _language(language: str | None) -> str:
    if language is None:
        language = str(get_locale() or "nl") if has_request_context() else "nl"
    return LANGUAGES.get(language[:2], "nl")


@functools.lru_cache(maxsize=64)
def days(first_year: int, last_year: int) -> frozenset[date]:
    """Every public holiday of these years: what availability and open_at take as input."""
    return frozenset(day for year in range(first_year, last_year + 1) for day in _year(year, "nl"))


def days_between(first_day: date, last_day: date) -> frozenset[date]:
    """The public holidays of the years these days fall in (a superset of those between them:
    enough to ask of any day in the range)."""
    return days(first_day.year, last_day.year)


def name(day: date, language: str | None = None) -> str | None:
    """The holiday's name in the reader's language (or `language`), or None on another day."""
    return _year(day.year, _language(language)).get(day)


def between(first_day: date, last_day: date, language: str | None = None) -> list[tuple[date, str]]:
    """The public holidays from the first day to the last, both included, in date order, with
    their names in the reader's language."""
    chosen = _language(language)
    found = []
    for year in range(first_day.year, last_day.year + 1):
        found += [(d, n) for d, n in _year(year, chosen).items() if first_day <= d <= last_day]
    return sorted(found)

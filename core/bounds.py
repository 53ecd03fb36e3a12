"""What the database can hold, checked where input comes in, so bad input is a 4xx, never a 500.

PostgreSQL refuses integers beyond its column's range, text with NUL characters, and Python
refuses dates near year 1 or 9999 as soon as a time zone or a day is added to them; SQLite
overflows past 64 bits. Each package checks its input with these helpers and answers with its
own domain error. Two checks hold for every request at once (`init_app`): a path's `<int:…>`
part beyond a row id's range is a 404 (no such row can exist), and a NUL character anywhere in
the path, the query, a form or a JSON body is refused before any view sees it.
"""

from datetime import date, datetime

from flask import abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from core.errors import DomainError

INT32_MAX = 2**31 - 1  # INTEGER, and so every primary key, on PostgreSQL
INT64_MAX = 2**63 - 1  # BIGINT; SQLite's INTEGER
FIRST_YEAR, LAST_YEAR = 1900, 2199  # dates outside are typing errors or probes


class InvalidInput(DomainError):
    status = 422
    code = "invalid"
    messages = {
        "invalid": _l("This request is not valid."),
        "nul": _l("This contains a character that is not allowed."),
    }


def as_int(value, *, low: int = -INT32_MAX - 1, high: int = INT32_MAX) -> int | None:
    """`value` as an integer between `low` and `high`: a JSON integer (not a boolean, not a
    float) or a string of ASCII digits, with an optional minus sign. None when it is not."""
    if isinstance(value, str):
        text = value[1:] if value.startswith("-") else value
        if not (text.isascii() and text.isdigit()) or len(text) > 20:
            return None
        value = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def as_id(value) -> int | None:
    """`value` as a row id (1 to INT32_MAX); None when no row can have it."""
    return as_int(value, low=1, high=INT32_MAX)


def has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def sane_day(value: date | datetime) -> bool:
    """Within the years a municipality's calendar can mean (and Python can shift by a day)."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


class RowIdConverter(IntegerConverter):
    """`<int:…>` in every route: at most a row id's range, so a larger number is a 404 at the
    router instead of an overflow in the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT32_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _nul_field(value, name: str | None = None) -> str | None:
    """The name of the first field holding a NUL character (a key, a value, nested), if any."""
    if isinstance(value, str):
        return (name or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = str(key) if name is None else name
            if has_nul(key):
                return field
            if found := _nul_field(item, field):
                return found
    if isinstance(value, list):
        for item in value:
            if found := _nul_field(item, name or "body"):
                return found
    return None


FORM_MIMETYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def refuse_nul_characters():
    """No input of Loket may hold NUL (PostgreSQL's text cannot): refused at the door."""
    if "\x00" in request.path:
        abort(404)
    # werkzeug parses a form from these bodies only: a JSON press needs no form parser set up
    form = request.mimetype in FORM_MIMETYPES
    for source in (request.args, request.form) if form else (request.args,):
        for key, values in source.lists():
            if has_nul(key) or any(has_nul(v) for v in values):
                raise InvalidInput("nul", field=key.replace("\x00", ""))
    if request.is_json:
        field = _nul_field(request.get_json(silent=True))
        if field:
            raise InvalidInput("nul", field=field.replace("\x00", ""))


def init_app(app) -> None:
    """Before any blueprint is registered: rules bind their converters when they are added."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(refuse_nul_characters)

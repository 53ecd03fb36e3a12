"""Keyset-paging cursors: an opaque "after this row" marker of a (time, id) position.

The timeline, Mijn Loket's lists and a party's notices page newest first on (time, id); the
cursor carries both, exact to the microsecond (no float rounding), in URL-safe base64.
"""

import base64
from datetime import UTC, datetime, timedelta

from core.bounds import as_id

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(at: datetime, ident: int) -> str:
    micros = (at - EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}:{ident}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """None for no or a damaged cursor: a bad link shows the first page, never an error (an
    API answers 422). An id no row can have is damage too: the database would overflow on it."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, _, ident = raw.partition(":")
        at = EPOCH + timedelta(microseconds=int(micros))
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
    found = as_id(ident)
    return None if found is None else (at, found)

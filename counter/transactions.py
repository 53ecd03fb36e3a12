"""One write, one short transaction, retried a bounded number of times when the database says
"try again" (PostgreSQL deadlock 40P01 or serialization failure 40001; SQLite "database is
locked"), then a clean 409 `busy` instead of a 500.

On SQLite the transaction starts with BEGIN IMMEDIATE: writers queue for the lock up front
instead of failing halfway when two readers both try to write.
"""

import random
import time

from flask import current_app
from sqlalchemy.exc import DBAPIError

from counter.errors import Conflict
from extensions import db

RETRY_SQLSTATES = {"40P01", "40001", "55P03"}


def is_retryable(error: DBAPIError) -> bool:
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in RETRY_SQLSTATES:
        return True
    message = str(original).lower()
    return "database is locked" in message or "database table is locked" in message


def begin_write() -> None:
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def run_write(work, *args, expire: bool = True, **kwargs):
    """Run `work` in its own transaction and commit; what it returns is returned.

    expire=False keeps what the transaction loaded and wrote as it was at the commit, instead of
    reading it back on next use: for a reply built from rows this very write just produced (a
    ticket's number, its service), where each read-back is one more round trip per request.
    """
    attempts = current_app.config["COUNTER_WRITE_ATTEMPTS"]
    db.session.commit()  # start clean: the write must be the first statement of its transaction
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, expire
    try:
        return _attempts(work, attempts, args, kwargs)
    finally:
        session.expire_on_commit = expiring


def _attempts(work, attempts, args, kwargs):
    for attempt in range(1, attempts + 1):
        try:
            begin_write()
            result = work(*args, **kwargs)
            db.session.commit()
            return result
        except DBAPIError as error:
            db.session.rollback()
            if not is_retryable(error):
                raise
            if attempt == attempts:
                raise Conflict("busy") from error
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def run_read(work, *args, **kwargs):
    """Run `work` in a transaction that only reads, and end it: no lock outlives the call, and
    the session holds no connection afterwards."""
    db.session.commit()
    try:
        return work(*args, **kwargs)
    finally:
        db.session.rollback()

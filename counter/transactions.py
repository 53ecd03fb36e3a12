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


def start_clean(session) -> None:
    """Commit what the request has open, if anything: committing no transaction at all would
    still expire every loaded object, and the next use would read each one back (the ticket
    just issued, for the 201 reply's position)."""
    if session.in_transaction():
        session.commit()


def run_write(work, *args, expire: bool = True, **kwargs):
    """Run `work` in its own transaction and commit; what it returns is returned.

    expire=False keeps what the transaction loaded and wrote as it was at the commit, instead of
    reading it back on next use: for a reply built from rows this very write just produced (a
    ticket's number, its service), where each read-back is one more round trip per request.
    """
    attempts = current_app.config["COUNTER_WRITE_ATTEMPTS"]
    session = db.session()
    start_clean(session)  # the write must be the first statement of its transaction
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
    """Run `work`, which reads, or writes single statements meant to stand on their own.

    On PostgreSQL on an autocommit connection: no BEGIN and no ROLLBACK round trips (on the
    kiosk's path they were a third of all), and no lock outlives its statement. On SQLite a
    plain transaction, ended at once. What work loaded stays loaded afterwards (not expired):
    callers build replies from it.
    """
    session = db.session()
    start_clean(session)
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        result = work(*args, **kwargs)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = expiring

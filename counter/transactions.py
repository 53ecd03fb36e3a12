"""One write, one short transaction, retried a bounded number of times when the database says
"try again" (PostgreSQL deadlock 40P01 or serialization failure 40001; SQLite "database is
locked"), then a clean 409 `busy` instead of a 500.

On SQLite the transaction starts with BEGIN IMMEDIATE: writers queue for the lock up front
instead of failing halfway when two readers both try to write.
"""

import random
import time

from flask import current_app
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached

from counter.errors import Conflict
from extensions import db

RETRY_SQLSTATES = {"40P01", "40001", "55P03"}
WRITTEN = "counter.written_without_unit_of_work"


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


def attach_written(instance):
    """Attach an object whose row this transaction has just written with a Core insert (every
    column set, the key from RETURNING) to the session, as if loaded: no flush bookkeeping and
    no read-back, yet lazy loads and later changes work as usual. Should the transaction roll
    back, the object leaves the session again, as a flushed new object would: its row never
    existed, and SQLite gives its id to the next insert (a retry)."""
    make_transient_to_detached(instance)
    session = db.session()
    session.add(instance)
    session.info.setdefault(WRITTEN, []).append(instance)
    return instance


@event.listens_for(Session, "after_commit")
def _keep_written(session):
    session.info.pop(WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_written(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        for instance in session.info.pop(WRITTEN, []):
            if instance in session:
                session.expunge(instance)

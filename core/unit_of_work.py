"""One unit of work per request, job or command; what announces a change runs after its commit.

The caller (a view, an API handler, a webhook, a socket handler, a job, a CLI command) opens the
unit of work; services add and flush and never commit. A unit opened inside another joins it:
only the outermost commits, and an error anywhere in it rolls the whole of it back, so nothing
is half-written. Work that must not happen for a change that rolled back — blinker signals that
announce the change, Socket.IO emits, waking the outbox sender — is queued with `after_commit`
and runs once the outermost commit has succeeded; a rollback drops it. (indico's `RH.process`
and Chatwoot's `after_create_commit` listeners are the models.)

`run_in_transaction` is the one retry helper: a writer whose statements may collide with a
rival's (PostgreSQL deadlock or serialization failure, SQLite "database is locked") runs its
work again, a bounded number of times, and then answers with a clean `Busy` (409).
"""

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.errors import DomainError
from extensions import db

log = logging.getLogger(__name__)

DEPTH = "loket.unit_of_work_depth"
QUEUE = "loket.after_commit"
CONTINUED = "loket.continued_transaction"  # the transaction run_opening_read opened
TRANSIENT_SQLSTATES = {"40P01", "40001", "55P03"}  # deadlock, serialization, lock not available


class Busy(DomainError):
    """The database kept refusing the write for a rival's; nothing was written."""

    status = 409
    code = "busy"
    messages = {"busy": _l("The system is busy. Please try again.")}


def is_transient(error: BaseException) -> bool:
    """A database error that a second try of the same transaction can overcome."""
    if not isinstance(error, DBAPIError):
        return False
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database table is locked" in text or "deadlock" in text


@contextmanager
def unit_of_work(*, expire: bool = True) -> Iterator[None]:
    """The caller's one transaction: commit at the end, roll back everything on any error.

    The outermost unit commits whatever the session holds (reads the caller did first
    included) and then runs the after-commit queue. On SQLite a unit that opens the
    transaction begins it with BEGIN IMMEDIATE: writers queue for the lock up front instead
    of failing halfway when a reading transaction has to become a writing one.

    expire=False leaves what the transaction loaded and wrote as it was at the commit: for an
    answer built from rows this very unit just wrote, where each read-back costs a round trip.
    """
    session = db.session()
    depth = session.info.get(DEPTH, 0)
    if depth:
        session.info[DEPTH] = depth + 1
        try:
            yield
        finally:
            session.info[DEPTH] = depth
        return
    if not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info[DEPTH] = 1
    expiring, session.expire_on_commit = session.expire_on_commit, expire
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info[DEPTH] = 0
        session.expire_on_commit = expiring
    run_after_commit(session)


def in_unit_of_work() -> bool:
    return bool(db.session().info.get(DEPTH))


def after_commit(callback: Callable, *args, **kwargs) -> None:
    """Run `callback(*args, **kwargs)` once the current transaction commits; never if it rolls
    back. The same call queued twice in one transaction runs once (one board refresh per
    change, not per row)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still drops it
    queue = session.info.setdefault(QUEUE, [])
    entry = (callback, args, kwargs)
    if entry not in queue:
        queue.append(entry)


def run_after_commit(session: Session) -> None:
    """Each queued callback once; a failing one is logged, never raised: the data is
    committed already, and clients refetch their state when they reconnect."""
    ready = session.info.pop(QUEUE, None)
    if not ready or session.info.get(DEPTH):
        if ready:
            session.info[QUEUE] = ready
        return
    for callback, args, kwargs in ready:
        try:
            callback(*args, **kwargs)
        except Exception:
            log.exception("after-commit %s failed", getattr(callback, "__name__", callback))


@event.listens_for(Session, "after_soft_rollback")
def _drop_queue(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(QUEUE, None)


def _own_transaction_next(caller: str):
    """The session, with whatever it holds committed: the next statement begins a transaction
    of the caller's own (or continues the one run_opening_read opened for it). Inside a unit
    of work that would cut the unit in two (and a retry would repeat its first half), so it is
    refused."""
    session = db.session()
    if session.info.get(DEPTH):
        raise RuntimeError(f"{caller} inside a unit of work")
    continued = session.info.pop(CONTINUED, None)
    if session.in_transaction() and continued is not session.get_transaction():
        session.commit()
    return session


def run_opening_read(work: Callable, *args, **kwargs):
    """`work(*args, **kwargs)`, a read the request makes before its view (the API token's
    staff member). On PostgreSQL it opens the transaction that the view's unit of work
    (`run_in_transaction`, `run_read_only`, `unit_of_work`) then continues: one connection
    checked out per request, not two. A retry of that unit starts afresh, without it. On
    SQLite a read of its own (`run_read_only`): a writer's BEGIN IMMEDIATE must come first."""
    session = _own_transaction_next("run_opening_read")
    if session.get_bind().dialect.name != "postgresql":
        return run_read_only(work, *args, **kwargs)
    result = work(*args, **kwargs)
    session.info[CONTINUED] = session.get_transaction()
    return result


def run_in_transaction(
    work: Callable,
    *args,
    attempts: int | None = None,
    expire: bool = True,
    retry_if: Callable[[BaseException], bool] | None = None,
    **kwargs,
):
    """`work(*args, **kwargs)` in its own unit of work, run again on a transient database error
    (after a short random pause, longer each time) at most `attempts` times; then `Busy`.

    `retry_if` names other errors after which a second run can succeed (a rival stored the
    same new identifier first: the next run finds it); after the last try they are raised.
    The work must start the transaction, so whatever the session holds is committed first:
    on SQLite the write's BEGIN IMMEDIATE would otherwise come too late.
    """
    attempts = attempts or current_app.config["WRITE_ATTEMPTS"]
    _own_transaction_next("run_in_transaction")
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(expire=expire):
                return work(*args, **kwargs)
        except Exception as error:
            transient = is_transient(error)
            if not transient and not (retry_if and retry_if(error)):
                raise
            if attempt == attempts:
                if transient:
                    raise Busy() from error
                raise
            time.sleep(random.uniform(0.002, 0.01 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def run_read_only(work: Callable, *args, **kwargs):
    """`work(*args, **kwargs)`, which reads, or writes single statements meant to stand on
    their own, outside any unit of work.

    On PostgreSQL on an autocommit connection: no BEGIN and no ROLLBACK round trips (on the
    kiosk's path they were a third of all), and no lock outlives its statement; after
    run_opening_read, in the transaction it opened, committed at the end. On SQLite a plain
    transaction, ended at once. What work loaded stays loaded afterwards (not expired):
    callers build answers from it.
    """
    session = _own_transaction_next("run_read_only")
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        result = work(*args, **kwargs)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = expiring
    run_after_commit(session)
    return result


def init_app(app) -> None:
    """Every request is one unit of work (indico's RH.process): when the view returns, what it
    wrote is committed and its after-commit queue run, here. An error that reaches the error
    handlers (core.errors) rolls it back there. A view that catches a domain error to show a
    form again opens its own `unit_of_work()` around the service call, so the error rolls
    back what the call wrote before the form is shown."""

    @app.after_request
    def commit_the_request(response):
        session = db.session()
        if session.in_transaction():
            session.commit()
        run_after_commit(session)
        return response

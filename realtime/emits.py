"""Emits wait for the commit that caused them.

A service calls `emit_after_commit(...)` inside its transaction; the emit is kept in the
SQLAlchemy session's `info` and sent by the session's `after_commit` event, or dropped when the
transaction rolls back. A failing emit is logged, never raised: the data is already committed
and clients refetch their state when they reconnect.
"""

import logging

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

logger = logging.getLogger(__name__)
PENDING = "realtime.pending_emits"


def emit_after_commit(event_name: str, data: dict, *, namespace: str, to: str | None = None):
    server = current_app.extensions["socketio"]
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still drops the emit
    pending = session.info.setdefault(PENDING, [])
    emit = (server, event_name, data, namespace, to)
    if emit not in pending:  # the same news twice in one transaction is sent once
        pending.append(emit)


def emit_now(event_name: str, data: dict, *, namespace: str, to: str | None = None):
    """For state that is not in the database (a recall); still never raises."""
    _send(current_app.extensions["socketio"], event_name, data, namespace, to)


def _send(server, event_name, data, namespace, to):
    try:
        server.emit(event_name, data, namespace=namespace, to=to)
    except Exception:
        logger.exception("could not emit %s to %s %s", event_name, namespace, to)


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    for pending in session.info.pop(PENDING, []):
        _send(*pending)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(PENDING, None)

"""Emits wait for the commit that caused them.

A service calls `emit_after_commit(...)` inside its unit of work; the emit is queued with
`core.unit_of_work.after_commit` and sent once the commit succeeded, or dropped when the
transaction rolls back. A failing emit is logged, never raised: the data is already committed
and clients refetch their state when they reconnect.
"""

import logging

from flask import current_app

from core.unit_of_work import after_commit

logger = logging.getLogger(__name__)


def emit_after_commit(event_name: str, data: dict, *, namespace: str, to: str | None = None):
    server = current_app.extensions["socketio"]
    after_commit(_send, server, event_name, data, namespace, to)


def _send(server, event_name, data, namespace, to):
    try:
        server.emit(event_name, data, namespace=namespace, to=to)
    except Exception:
        logger.exception("could not emit %s to %s %s", event_name, namespace, to)

"""Helpers for tests with real python-socketio clients against a live server."""

import queue

import socketio

from core.database import utcnow


def session_cookie(app, staff) -> str:
    """The Flask-Login session cookie a browser holds after signing in."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps(
        {"_user_id": staff.get_id(), "_fresh": True, "last_seen": utcnow().timestamp()}
    )
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


class Listener:
    """A real Socket.IO client that queues every event it receives, per event name."""

    def __init__(self, url, namespace, *, auth=None, headers=None, events=()):
        self.client = socketio.Client(reconnection=False)
        self.queues = {name: queue.Queue() for name in events}
        for name in events:
            self.client.on(name, self.queues[name].put, namespace=namespace)
        self.client.connect(
            url,
            namespaces=[namespace],
            auth=auth,
            headers=headers or {},
            transports=["websocket"],
            wait_timeout=10,
        )

    def next(self, event, timeout=10):
        return self.queues[event].get(timeout=timeout)

    def close(self):
        self.client.disconnect()

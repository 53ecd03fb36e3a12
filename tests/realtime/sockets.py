"""Helpers for tests with real python-socketio clients against a live server."""

import functools
import queue

import engineio
import socketio

from core.database import utcnow


def session_cookie(app, staff) -> str:
    """The Flask-Login session cookie a browser holds after signing in."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps(
        {"_user_id": staff.get_id(), "_fresh": True, "last_seen": utcnow().timestamp()}
    )
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


class _QuickClosingEngineIO(engineio.Client):
    CLOSE_WAIT_SECONDS = 0.2

    def disconnect(self, abort=False, reason=None):
        if self.current_transport == "websocket" and self.ws is not None:
            self.ws.close = functools.partial(self.ws.close, timeout=self.CLOSE_WAIT_SECONDS)
        super().disconnect(abort=abort, reason=reason)


class Client(socketio.Client):
    """The real python-socketio client, without websocket-client's 3 s wait for the server's
    closing frame when it disconnects (or is refused): the client's own read loop takes that
    frame first, so the wait always ran out, 3 s per socket closed. The goodbye the server sees
    (Socket.IO's DISCONNECT, Engine.IO's CLOSE, the WebSocket close frame) is sent as ever."""

    def __init__(self, **options):
        super().__init__(reconnection=False, **options)

    def _engineio_client_class(self):
        return _QuickClosingEngineIO


class Listener:
    """A real Socket.IO client that queues every event it receives, per event name."""

    def __init__(self, url, namespace, *, auth=None, headers=None, events=()):
        self.client = Client()
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

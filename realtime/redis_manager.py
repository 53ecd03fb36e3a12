"""Socket.IO's Redis manager, and a way to wait until this process has delivered every emit that
any process published before now.

An emit reaches the sending process's own clients at once, another process's clients only when
that process's listener has read it from Redis. So "the message is committed and published"
does not mean "every process has delivered it": a client that replays from the database and
then joins a room could get a message in the replay and again from the listener. Redis hands a
channel's messages to a subscriber in the order they were published, so a process that
publishes a marker of its own and waits until its listener reads it back has delivered
everything published before the marker.
"""

import logging
import uuid

import socketio

logger = logging.getLogger(__name__)

MARKER = "loket-catch-up:"  # a JSON string, never a python-socketio message (those are objects)
ATTEMPT_SECONDS = 0.5  # a marker published before the listener subscribed is lost: send again
CATCH_UP_SECONDS = 5.0  # then go on: a message twice is better than a chat that hangs


class RedisManager(socketio.RedisManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting: dict[str, object] = {}

    def catch_up(self) -> bool:
        """Returns once this process's listener has handled everything published before the
        call (True), or after CATCH_UP_SECONDS (False)."""
        marker = uuid.uuid4().hex
        arrived = self.server.eio.create_event()
        self.waiting[marker] = arrived
        try:
            for _attempt in range(int(CATCH_UP_SECONDS / ATTEMPT_SECONDS)):
                self._publish(MARKER + marker)
                if arrived.wait(ATTEMPT_SECONDS):
                    return True
        finally:
            self.waiting.pop(marker, None)
        logger.warning("the Redis listener did not catch up within %s s", CATCH_UP_SECONDS)
        return False

    def _listen(self):
        prefix = b'"' + MARKER.encode()  # as JSON-encoded by _publish
        for message in super()._listen():
            if isinstance(message, bytes) and message.startswith(prefix):
                arrived = self.waiting.get(message[len(prefix) : -1].decode())
                if arrived is not None:
                    arrived.set()
                continue  # another process's marker, or one given up on
            yield message


def catch_up(server: socketio.Server) -> None:
    """Without Redis there is nothing to wait for: emits are delivered before they return."""
    if isinstance(server.manager, RedisManager):
        server.manager.catch_up()

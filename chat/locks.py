"""One chat's lock: posting a message (number, commit, emit) and a replay (read, then join the
room) take turns, so a resuming page gets each message once, replayed or live.

With `REDIS_URL` the lock is in Redis and holds for every process; without it, a lock in this
process is all there is (one process, as `make run`). A Redis lock expires after LOCK_SECONDS,
so a process that dies holding it blocks that one chat for that long at most.
"""

import logging
import threading
from contextlib import contextmanager

from flask import current_app
from redis.exceptions import LockError

from realtime import shared_redis

logger = logging.getLogger(__name__)

LOCK_SECONDS = 20  # far above one commit and emit, or one chat's replay
POLL_SECONDS = 0.005  # how often a waiter asks Redis again: messages wait on it

_local_locks: dict[int, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def chat_lock(chat_id: int):
    client = shared_redis()
    if client is None:
        with _local_lock(chat_id):
            yield
        return
    name = f"{current_app.config['SOCKETIO_CHANNEL']}:chat:{chat_id}:lock"
    lock = client.lock(name, timeout=LOCK_SECONDS, sleep=POLL_SECONDS)
    lock.acquire()
    try:
        yield
    finally:
        try:
            lock.release()
        except LockError:  # held past LOCK_SECONDS: another may have had it meanwhile
            logger.warning("chat %s's lock expired while held", chat_id)


def _local_lock(chat_id: int) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault(chat_id, threading.Lock())


def forget(chat_id: int) -> None:
    """An ended chat's lock in this process (a Redis lock leaves nothing behind)."""
    _local_locks.pop(chat_id, None)

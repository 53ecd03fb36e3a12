"""realtime.RedisManager.catch_up against a real Redis: it returns only once this process's
listener has delivered every emit other processes published before the call.

Under gevent the listener seldom lags (it reads all it has before anyone else runs), so the
lag is made here: a threading server whose listener takes a millisecond per message."""

import json
import logging
import time
import uuid

import redis
import socketio

from realtime.redis_manager import RedisManager

# The listener thread outlives its test (python-socketio has no way to stop it) and, once the
# session's Redis is gone, logs its retries into a closed stream: a logger of its own, silent.
QUIET = logging.getLogger("tests.realtime.redis_manager")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def slow_listening_server(url, channel):
    server = socketio.Server(
        async_mode="threading",
        client_manager=RedisManager(url, channel=channel, logger=QUIET),
        logger=QUIET,
    )
    manager = server.manager
    delivered = []
    deliver = manager._handle_emit

    def slowly(message):
        time.sleep(0.001)
        delivered.append(message["data"])
        deliver(message)

    manager._handle_emit = slowly
    manager.initialize()  # starts the listener, as the first client's connection does
    return manager, delivered


def publish_from_elsewhere(url, channel, count):
    connection = redis.Redis.from_url(url)
    for n in range(count):
        message = {
            "method": "emit",
            "event": "message",
            "data": [n],
            "binary": False,
            "namespace": "/chat",
            "room": "nobody",
            "skip_sid": None,
            "callback": None,
            "host_id": "another-process",
        }
        connection.publish(channel, json.dumps(message))


def subscribed(url, channel):
    connection = redis.Redis.from_url(url)
    for _ in range(200):
        if dict(connection.pubsub_numsub(channel)).get(channel.encode(), 0) >= 1:
            return
        time.sleep(0.02)
    raise AssertionError("the listener never subscribed")


def test_catch_up_returns_after_every_earlier_emit_is_delivered(redis_server):
    channel = f"catch-up-{uuid.uuid4().hex}"
    manager, delivered = slow_listening_server(redis_server.url, channel)
    subscribed(redis_server.url, channel)
    publish_from_elsewhere(redis_server.url, channel, 300)
    assert len(delivered) < 300  # the listener lags behind what was published
    assert manager.catch_up() is True
    assert delivered == [[n] for n in range(300)]


def test_catch_up_right_after_start_waits_for_the_subscription(redis_server):
    """The first marker may be published before the listener subscribed: it is sent again."""
    channel = f"catch-up-{uuid.uuid4().hex}"
    manager, _delivered = slow_listening_server(redis_server.url, channel)
    assert manager.catch_up() is True
    assert manager.waiting == {}

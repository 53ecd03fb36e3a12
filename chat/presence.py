"""How many agent consoles are open: the widget offers a live chat only when one is, and the
expected wait divides the line among them.

Without `REDIS_URL` they are this process's sockets in the agents' room. With it, a sorted set
in Redis holds every process's agent sockets, each scored by when its process last vouched for
it: a process refreshes its own every third of CHAT_PRESENCE_SECONDS, and a socket not vouched
for within CHAT_PRESENCE_SECONDS (its process died without saying goodbye) no longer counts.
"""

import logging
import threading
import time

from flask import current_app
from redis.exceptions import RedisError

from chat.notices import AGENTS_ROOM, NAMESPACE
from realtime import shared_redis

logger = logging.getLogger(__name__)
_started_guard = threading.Lock()


def _key(app) -> str:
    return f"{app.config['SOCKETIO_CHANNEL']}:chat:agents-online"


def _local_agent_sids(app) -> list[str]:
    server = app.extensions["socketio"]
    return [sid for sid, _eio in server.manager.get_participants(NAMESPACE, AGENTS_ROOM)]


def agents_online() -> int:
    """0 when Redis cannot be asked: the page then offers a callback request."""
    client = shared_redis()
    if client is None:
        return len(_local_agent_sids(current_app))
    expiry = current_app.config["CHAT_PRESENCE_SECONDS"]
    try:
        return client.zcount(_key(current_app), time.time() - expiry, "+inf")
    except RedisError:
        logger.exception("could not count the agents online")
        return 0


def agent_arrived(sid: str) -> None:
    client = shared_redis()
    if client is None:
        return  # the agents' room is the record
    _keep_vouching(current_app._get_current_object())
    try:
        client.zadd(_key(current_app), {sid: time.time()})
    except RedisError:  # vouched for by the next round
        logger.exception("could not note agent socket %s online", sid)


def agent_left(sid: str) -> None:
    client = shared_redis()
    if client is None:
        return
    try:
        client.zrem(_key(current_app), sid)
    except RedisError:  # expires instead
        logger.exception("could not note agent socket %s gone", sid)


def _keep_vouching(app) -> None:
    """One background task per process, started by its first agent."""
    with _started_guard:
        if app.extensions.get("chat.presence"):
            return
        app.extensions["chat.presence"] = True
    app.extensions["socketio"].start_background_task(_vouch_forever, app)


def _vouch_forever(app) -> None:
    server, client = app.extensions["socketio"], shared_redis(app)
    expiry = app.config["CHAT_PRESENCE_SECONDS"]
    while True:
        server.sleep(expiry / 3)
        try:
            now = time.time()
            sids = _local_agent_sids(app)
            with client.pipeline() as pipe:
                if sids:
                    pipe.zadd(_key(app), dict.fromkeys(sids, now))
                pipe.zremrangebyscore(_key(app), "-inf", now - expiry)
                pipe.execute()
        except RedisError:  # Redis is back by the next round, or the agents expire
            logger.exception("could not refresh the agents online")

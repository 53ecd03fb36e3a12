"""How many agents have a console open: the widget offers a live chat only when one has, and
the expected wait divides the line among them. People, not consoles: an agent with two tabs
open answers as one.

Without `REDIS_URL` they are this process's sockets in the agents' room. With it, a sorted set
in Redis holds every process's agent sockets ("<staff id>:<sid>"), each scored by when its
process last vouched for it: a process refreshes its own every third of CHAT_PRESENCE_SECONDS,
and a socket not vouched for within CHAT_PRESENCE_SECONDS (its process died without saying
goodbye) no longer counts.
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


def _member(staff_id: int, sid: str) -> str:
    return f"{staff_id}:{sid}"


def _local_agents(app) -> list[str]:
    """This process's agent sockets, as members ("<staff id>:<sid>")."""
    server = app.extensions["socketio"]
    return [
        _member(server.get_session(sid, namespace=NAMESPACE).get("staff_id"), sid)
        for sid, _eio in server.manager.get_participants(NAMESPACE, AGENTS_ROOM)
    ]


def _people(members) -> int:
    return len({member.split(":", 1)[0] for member in members})


def agents_online() -> int:
    """0 when Redis cannot be asked: the page then offers a callback request."""
    client = shared_redis()
    if client is None:
        return _people(_local_agents(current_app))
    expiry = current_app.config["CHAT_PRESENCE_SECONDS"]
    try:
        members = client.zrangebyscore(_key(current_app), time.time() - expiry, "+inf")
    except RedisError:
        logger.exception("could not count the agents online")
        return 0
    return _people(member.decode() for member in members)


def agent_arrived(staff_id: int, sid: str) -> None:
    client = shared_redis()
    if client is None:
        return  # the agents' room is the record
    _keep_vouching(current_app._get_current_object())
    try:
        client.zadd(_key(current_app), {_member(staff_id, sid): time.time()})
    except RedisError:  # vouched for by the next round
        logger.exception("could not note agent socket %s online", sid)


def agent_left(staff_id: int, sid: str) -> None:
    client = shared_redis()
    if client is None:
        return
    try:
        client.zrem(_key(current_app), _member(staff_id, sid))
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
            members = _local_agents(app)
            with client.pipeline() as pipe:
                if members:
                    pipe.zadd(_key(app), dict.fromkeys(members, now))
                pipe.zremrangebyscore(_key(app), "-inf", now - expiry)
                pipe.execute()
        except RedisError:  # Redis is back by the next round, or the agents expire
            logger.exception("could not refresh the agents online")

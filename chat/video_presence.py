"""A video call outlives a dropped connection for a few seconds, not a closed page.

A page that closes or reloads away sends `signal {type: hangup}` itself where it can (pagehide,
static/js/video.js); when it cannot (a crash, a lost network, a browser that drops the last
message), the server notices its socket leave. The sockets that take part in a chat's call (they
sent a video event, or reconnected saying they are still in the call) are that side's video
sockets; when one disconnects and, CHAT_VIDEO_GRACE_SECONDS later, that side has none again,
the call ends as a hang-up would: its times on the record (chat.video_calls) and
`signal {type: hangup}` to the other side. A page whose socket comes back within the grace
keeps its call.

Without `REDIS_URL` the video sockets are this process's room; with it, a set in Redis per chat
and side, so a page that reconnects to another process counts too. A process that dies
without its goodbyes leaves its sockets in the set until it expires: that call then ends by a
hang-up of the other side, as before.
"""

import logging
from datetime import datetime

from flask import Flask
from redis.exceptions import RedisError

from chat import video_calls
from chat.notices import AGENT, CITIZEN, NAMESPACE, emit_after_commit, side_room
from core.database import utcnow
from core.unit_of_work import unit_of_work
from extensions import db
from realtime import shared_redis

logger = logging.getLogger(__name__)

KEPT_SECONDS = 12 * 3600  # a set outlives any call; a dead process's sockets go with it


def video_room(chat_id: int, side: str) -> str:
    return f"chat:{chat_id}:{side}:video"


def _key(app: Flask, chat_id: int, side: str) -> str:
    return f"{app.config['SOCKETIO_CHANNEL']}:{video_room(chat_id, side)}"


def joined(namespace, sid: str, chat_id: int, side: str) -> None:
    """This socket takes part in the chat's call; its leaving may end the call."""
    session = namespace.get_session(sid)
    if session.get("video_chat") == chat_id:
        return
    session["video_chat"] = chat_id
    namespace.save_session(sid, session)
    namespace.enter_room(sid, video_room(chat_id, side))
    client = shared_redis(namespace.app)
    if client is not None:
        try:
            with client.pipeline() as pipe:
                pipe.sadd(_key(namespace.app, chat_id, side), sid)
                pipe.expire(_key(namespace.app, chat_id, side), KEPT_SECONDS)
                pipe.execute()
        except RedisError:  # then only this process's room vouches for it
            logger.exception("could not note video socket %s", sid)


def left(namespace, sid: str, session: dict) -> None:
    """A socket with this session is gone: after the grace, the call ends unless its side is
    back."""
    chat_id = session.get("video_chat")
    if chat_id is None:
        return
    side = AGENT if session.get("staff_id") else CITIZEN
    app = namespace.app
    client = shared_redis(app)
    if client is not None:
        try:
            client.srem(_key(app, chat_id, side), sid)
        except RedisError:
            logger.exception("could not note video socket %s gone", sid)
    app.extensions["socketio"].start_background_task(hang_up_if_gone, app, chat_id, side, utcnow())


def present(app: Flask, chat_id: int, side: str) -> bool:
    client = shared_redis(app)
    if client is not None:
        try:
            return client.scard(_key(app, chat_id, side)) > 0
        except RedisError:
            logger.exception("could not count the video sockets of chat %s", chat_id)
    manager = app.extensions["socketio"].manager
    return any(True for _ in manager.get_participants(NAMESPACE, video_room(chat_id, side)))


def hang_up_if_gone(app: Flask, chat_id: int, side: str, left_at: datetime) -> None:
    """Only the call that was open when the socket left: one offered since is another."""
    app.extensions["socketio"].sleep(app.config["CHAT_VIDEO_GRACE_SECONDS"])
    if present(app, chat_id, side):
        return
    other = AGENT if side == CITIZEN else CITIZEN
    with app.app_context():
        try:
            with unit_of_work():
                call = video_calls.open_call(chat_id)
                if call is not None and call.offered_at <= left_at:
                    video_calls.end_call(chat_id)
                    hangup = {"chat_id": chat_id, "type": "hangup", "payload": {"reason": "gone"}}
                    emit_after_commit("signal", hangup, to=side_room(chat_id, other))
        except Exception:  # the database went away: the other side can still hang up
            logger.exception("could not end the video call of chat %s", chat_id)
        finally:
            db.session.remove()

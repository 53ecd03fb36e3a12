"""Creating the Socket.IO server in create_app, and choosing how it waits for clients.

The async mode follows the process, not a setting people must keep in step: under gunicorn's
gevent worker (sockets monkey-patched before the app is loaded) it is `gevent`, which held
10,000 clients in one process; anywhere else (`flask run`, tests) it is `threading`, which holds
one client per thread and collapses at 2–3k clients, so it is for development only.
`SOCKETIO_ASYNC_MODE` overrides the choice.

With `REDIS_URL` the server publishes every emit through Redis, so the clients of every process
(and of every machine) receive it; without it, emits reach this process's clients only. Packages
that keep state all processes must share (the chat's locks and agents online) use
`shared_redis()`, None without `REDIS_URL`.
"""

import logging

import redis
import socketio

from realtime.redis_manager import RedisManager

logger = logging.getLogger(__name__)


def async_mode_for_this_process() -> str:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover  (gevent is a dependency)
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def client_manager(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    return RedisManager(url, channel=app.config["SOCKETIO_CHANNEL"], logger=logger)


def init_realtime(app) -> socketio.Server:
    """Make the server, mount it in front of the Flask app and register the namespaces."""
    from realtime.namespaces import ChatNamespace, DeskNamespace, DisplayNamespace

    server = socketio.Server(
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE") or async_mode_for_this_process(),
        client_manager=client_manager(app),
        # None: only pages of this site may connect (cross-site WebSocket hijacking).
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ALLOWED_ORIGINS"),
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        logger=False,
        engineio_logger=False,
    )
    server.register_namespace(DisplayNamespace(app, "/display"))
    server.register_namespace(DeskNamespace(app, "/desk"))
    server.register_namespace(ChatNamespace(app, "/chat"))
    app.extensions["socketio"] = server
    url = app.config.get("REDIS_URL")
    app.extensions["realtime.redis"] = redis.Redis.from_url(url) if url else None
    _close_connections_on_sign_out(app)
    app.wsgi_app = socketio.WSGIApp(server, app.wsgi_app, socketio_path="socket.io")
    return server


def _close_connections_on_sign_out(app) -> None:
    from desk.signals import staff_signed_out
    from realtime.namespaces import close_connections_of

    def close(sender, *, staff_id, **_extra):
        close_connections_of(sender.extensions["socketio"], staff_id)

    staff_signed_out.connect(close, sender=app, weak=False)


def socketio_server(app=None) -> socketio.Server:
    from flask import current_app

    return (app or current_app).extensions["socketio"]


def shared_redis(app=None) -> redis.Redis | None:
    from flask import current_app

    return (app or current_app).extensions["realtime.redis"]

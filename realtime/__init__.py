"""The one Socket.IO server of Loket (DESIGN.md: "realtime").

Every package emits through `emit_after_commit`, so a board never shows a call that rolled back.
Namespaces: /display (boards and phones, public, per location), /desk (signed-in staff),
/chat (citizens and agents; its handlers belong to the chat package).
"""

from realtime.emits import emit_after_commit
from realtime.redis_manager import catch_up
from realtime.server import init_realtime, shared_redis, socketio_server

__all__ = [
    "catch_up",
    "emit_after_commit",
    "init_realtime",
    "shared_redis",
    "socketio_server",
]

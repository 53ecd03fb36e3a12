"""The namespaces. Handlers run inside an app context and release the database session
themselves: no Flask request teardown runs for Socket.IO events (Flask-SocketIO #559).

Packages plug in without realtime importing them (DESIGN's dependency rule): the counter
package registers `app.extensions["realtime.display"]`, a function that answers a board's
`location_id` with the state to show, or None for an unknown location.
"""

import functools

import socketio
from flask import current_app
from flask_login import current_user

from core.database import utcnow
from core.unit_of_work import unit_of_work
from extensions import db


def in_app_context(handler):
    @functools.wraps(handler)
    def wrapped(self, *args, **kwargs):
        with self.app.app_context():
            try:
                return handler(self, *args, **kwargs)
            finally:
                db.session.remove()

    return wrapped


class AppNamespace(socketio.Namespace):
    def __init__(self, app, namespace):
        super().__init__(namespace)
        self.app = app


def staff_from_environ(environ, roles=None) -> dict | None:
    """The Flask-Login session of the handshake's cookie, checked as a page request would be."""
    from desk.models import Role

    with current_app.request_context(environ):
        from flask import session

        if not current_user.is_authenticated:
            return None
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        if utcnow().timestamp() - session.get("last_seen", 0) > idle:
            return None
        if roles and current_user.role != Role.ADMIN and current_user.role not in roles:
            return None
        return {"staff_id": current_user.id, "role": current_user.role.value}


def staff_from_token(auth, roles=None) -> dict | None:
    """A staff member's personal API token in the handshake's `auth={"token": ...}`: for
    counter hardware and integrations that hold no browser session (DESIGN: /desk)."""
    from desk import accounts
    from desk.models import Role

    token = (auth or {}).get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    with unit_of_work():  # the token's last use is noted, at most once a minute
        staff = accounts.staff_for_api_token(token)
        if staff is None:
            return None
        if roles and staff.role != Role.ADMIN and staff.role not in roles:
            return None
        return {"staff_id": staff.id, "role": staff.role.value}


def display_room(location_id: int) -> str:
    return f"location:{location_id}"


def follow_room(location_id: int) -> str:
    """Citizens' phones following a ticket: they need every queue change, boards do not."""
    return f"follow:location:{location_id}"


def desk_room(location_id: int) -> str:
    return f"desk:location:{location_id}"


def phone_room() -> str:
    """The phone agents' consoles: queue figures and agents' statuses."""
    return "phone:agents"


def staff_room(staff_id: int) -> str:
    """Every connection of one staff member, on any namespace: signing out closes them."""
    return f"staff:{staff_id}"


class DisplayNamespace(AppNamespace):
    """Public: waiting-room boards and citizens' phones, one room each per location. A phone
    says `follow: true` in its auth; a board (DESIGN.md: only `location_id`) is woken by calls
    alone, so a ticket issued costs no send to every board."""

    @in_app_context
    def on_connect(self, sid, environ, auth=None):
        location_id = (auth or {}).get("location_id")
        if isinstance(location_id, str) and location_id.isdigit():
            location_id = int(location_id)
        if not isinstance(location_id, int) or isinstance(location_id, bool):
            raise socketio.exceptions.ConnectionRefusedError("location_id_required")
        state_for = current_app.extensions.get("realtime.display")
        state = state_for(location_id) if state_for else None
        if state is None:
            raise socketio.exceptions.ConnectionRefusedError("unknown_location")
        follows = (auth or {}).get("follow") is True
        self.enter_room(sid, follow_room(location_id) if follows else display_room(location_id))
        self.emit("board_state", state, to=sid)


class DeskNamespace(AppNamespace):
    """Signed-in staff (a session cookie, or a personal API token in `auth`): a desk joins its
    location's room with `watch {"location_id"}`, a phone console the phone agents' room with
    `watch_phone`."""

    @in_app_context
    def on_connect(self, sid, environ, auth=None):
        staff = staff_from_environ(environ) or staff_from_token(auth)
        if staff is None:
            raise socketio.exceptions.ConnectionRefusedError("sign_in_required")
        self.save_session(sid, staff)
        self.enter_room(sid, staff_room(staff["staff_id"]))

    def on_watch(self, sid, data):
        location_id = (data or {}).get("location_id")
        if not isinstance(location_id, int) or isinstance(location_id, bool):
            return {"ok": False, "error": "location_id_required"}
        for room in self.rooms(sid):
            if room.startswith("desk:"):
                self.leave_room(sid, room)
        self.enter_room(sid, desk_room(location_id))
        return {"ok": True}

    def on_watch_phone(self, sid, data=None):
        """A phone console (call agents and admins) follows the phone queues."""
        if self.get_session(sid).get("role") not in ("call_agent", "admin"):
            return {"ok": False, "error": "call_agent_role_required"}
        self.enter_room(sid, phone_room())
        return {"ok": True}


class ChatNamespace(AppNamespace):
    """Plumbing for the chat package: staff are recognised by their session, citizens are not
    signed in. The chat package adds its event handlers to this class's server namespace."""

    @in_app_context
    def on_connect(self, sid, environ, auth=None):
        staff = staff_from_environ(environ) or {"staff_id": None}
        self.save_session(sid, staff)
        if staff["staff_id"] is not None:
            self.enter_room(sid, staff_room(staff["staff_id"]))


STAFF_NAMESPACES = ("/desk", "/chat")


def close_connections_of(server: socketio.Server, staff_id: int) -> None:
    """A signed-out staff member's open connections end with the session: in this process
    directly; in the others (with REDIS_URL) the pages get `signed_out` and close theirs."""
    for namespace in STAFF_NAMESPACES:
        room = staff_room(staff_id)
        sids = [sid for sid, _eio in server.manager.get_participants(namespace, room)]
        server.emit("signed_out", {}, namespace=namespace, to=room)
        for sid in sids:
            server.disconnect(sid, namespace=namespace)

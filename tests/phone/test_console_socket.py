"""The phone agents' room on /desk: consoles of call agents and admins follow it; other staff
are refused. Real python-socketio clients against a live server."""

from desk.models import Role
from tests.realtime.sockets import Listener, session_cookie


def test_only_call_agents_and_admins_watch_the_phone_queues(live_server, make_staff):
    for role, allowed in ((Role.CALL_AGENT, True), (Role.ADMIN, True), (Role.COUNTER, False)):
        staff = make_staff(f"{role.value}@example.org", role=role)
        listener = Listener(
            live_server.url,
            "/desk",
            headers={"Cookie": session_cookie(live_server.app, staff)},
        )
        try:
            answer = listener.client.call("watch_phone", {}, namespace="/desk")
            assert answer["ok"] is allowed, role
        finally:
            listener.close()

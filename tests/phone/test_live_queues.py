"""The console's queue figures reach signed-in staff over Socket.IO /desk after the commit."""

from desk.models import Role
from tests.phone.conftest import Caller
from tests.realtime.sockets import Listener, session_cookie


def test_a_caller_joining_the_line_updates_the_figures_on_desk(
    phone_live_server, lines, make_staff
):
    agent = make_staff("agent@example.org", role=Role.CALL_AGENT)
    listener = Listener(
        phone_live_server.url,
        "/desk",
        headers={"Cookie": session_cookie(phone_live_server.app, agent)},
        events=["phone_queues"],
    )
    try:
        caller = Caller(phone_live_server.app.test_client())
        caller.incoming()
        caller.press("1")
        figures = listener.next("phone_queues")
        line = next(x for x in figures["lines"] if x["line_id"] == lines.id_line.id)
        assert line["service_id"] == lines.id_card.id
        assert line["name"] == "Identiteitskaart"
        assert line["waiting"] == 1 and line["callbacks_waiting"] == 0
        assert line["longest_wait_seconds"] >= 0
        caller.press("1", path="/phone/callback")
        figures = listener.next("phone_queues")
        line = next(x for x in figures["lines"] if x["line_id"] == lines.id_line.id)
        assert line["waiting"] == 0 and line["callbacks_waiting"] == 1
    finally:
        listener.close()

"""The real-time layer: emits wait for the commit, staff namespaces need a signed-in session."""

import time

import pytest
import socketio

from core.unit_of_work import unit_of_work
from desk.models import Role
from extensions import db
from realtime import emit_after_commit
from realtime.namespaces import desk_room
from tests.realtime.sockets import Client, Listener, session_cookie


class Recorder:
    def __init__(self):
        self.sent = []

    def emit(self, event, data, namespace=None, to=None):
        self.sent.append((event, data, namespace, to))


def test_an_emit_waits_for_the_commit_and_a_rollback_drops_it(app):
    recorder = app.extensions["socketio"] = Recorder()
    with pytest.raises(RuntimeError), unit_of_work():
        emit_after_commit("queue_changed", {"location_id": 1}, namespace="/desk", to="desk:1")
        raise RuntimeError("the unit of work fails after the emit was queued")
    emit_after_commit("queue_changed", {"location_id": 3}, namespace="/desk", to="desk:3")
    db.session.rollback()
    with unit_of_work():
        assert recorder.sent == []
    assert recorder.sent == []

    with unit_of_work():
        emit_after_commit("queue_changed", {"location_id": 2}, namespace="/desk", to="desk:2")
        assert recorder.sent == []
    assert recorder.sent == [("queue_changed", {"location_id": 2}, "/desk", "desk:2")]


def test_a_failing_emit_does_not_break_the_commit(app):
    class Broken:
        def emit(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    app.extensions["socketio"] = Broken()
    with unit_of_work():
        emit_after_commit("queue_changed", {}, namespace="/desk")
    # no exception


def test_the_server_is_threading_outside_gunicorn_gevent(app):
    assert app.extensions["socketio"].async_mode == "threading"


def test_the_desk_namespace_refuses_a_client_without_a_session(live_server):
    client = Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, namespaces=["/desk"], transports=["websocket"])
    client.disconnect()


def test_signed_in_staff_receive_desk_events_after_commit(live_server, make_staff):
    staff = make_staff("balie@example.org", role=Role.COUNTER)
    listener = Listener(
        live_server.url,
        "/desk",
        headers={"Cookie": session_cookie(live_server.app, staff)},
        events=["queue_changed"],
    )
    try:
        assert listener.client.call("watch", {"location_id": 7}, namespace="/desk") == {"ok": True}
        with live_server.app.app_context(), unit_of_work():
            emit_after_commit(
                "queue_changed", {"location_id": 7}, namespace="/desk", to=desk_room(7)
            )
        assert listener.next("queue_changed") == {"location_id": 7}
    finally:
        listener.close()


def test_a_deactivated_account_cannot_connect_to_the_desk(live_server, make_staff):
    staff = make_staff("weg@example.org", role=Role.COUNTER, active=False)
    client = Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            namespaces=["/desk"],
            headers={"Cookie": session_cookie(live_server.app, staff)},
            transports=["websocket"],
        )
    client.disconnect()


def test_signing_out_closes_the_staff_member_s_open_connections(live_server, make_staff):
    from desk import accounts
    from desk.models import Staff

    staff = make_staff("uit@example.org", role=Role.COUNTER)
    listener = Listener(
        live_server.url,
        "/desk",
        headers={"Cookie": session_cookie(live_server.app, staff)},
        events=["signed_out"],
    )
    try:
        assert listener.client.connected
        with live_server.app.app_context(), unit_of_work():
            accounts.end_sessions(db.session.get(Staff, staff.id))
        assert listener.next("signed_out") == {}
        for _ in range(100):
            if not listener.client.connected:
                break
            time.sleep(0.05)
        assert not listener.client.connected
    finally:
        listener.close()


def test_a_personal_api_token_opens_the_desk_namespace(live_server, make_staff):
    """Counter hardware and integrations hold no browser session: DESIGN's
    `auth={"token": api_token}` on /desk."""
    from desk import accounts

    staff = make_staff("kiosk@example.org", role=Role.COUNTER)
    with live_server.app.app_context():
        token = accounts.create_api_token(db.session.merge(staff))
        db.session.commit()
    listener = Listener(live_server.url, "/desk", auth={"token": token}, events=["queue_changed"])
    try:
        assert listener.client.call("watch", {"location_id": 4}, namespace="/desk") == {"ok": True}
        with live_server.app.app_context(), unit_of_work():
            emit_after_commit(
                "queue_changed", {"location_id": 4}, namespace="/desk", to=desk_room(4)
            )
        assert listener.next("queue_changed") == {"location_id": 4}
    finally:
        listener.close()


@pytest.mark.parametrize("auth", [{"token": "not-a-token"}, {"token": 12}, {"token": "x" * 500}])
def test_a_wrong_token_is_refused_on_the_desk_namespace(live_server, auth):
    client = Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, namespaces=["/desk"], auth=auth, transports=["websocket"])
    client.disconnect()

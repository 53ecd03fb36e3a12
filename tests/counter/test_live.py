"""Boards receive calls live: real python-socketio clients against a live server, and across two
production server processes through a real Redis."""

import time

import pytest
import redis
import requests
import socketio

from tests.production_server import ProductionServer
from tests.realtime.sockets import Client, Listener


def call_next(url, counter_id, headers):
    return requests.post(
        f"{url}/api/v1/counters/{counter_id}/call-next", headers=headers, timeout=30
    )


def test_a_board_gets_the_state_and_then_each_call(live_server, town, counter_token, client, kiosk):
    client.post(
        "/api/v1/tickets",
        json={"service_id": town.id_card.id, "location_id": town.hall.id},
        headers=kiosk.headers,
    )
    board = Listener(
        live_server.url,
        "/display",
        auth={"location_id": town.hall.id},
        events=["board_state", "ticket_called"],
    )
    try:
        assert board.next("board_state")["called"] == []
        response = call_next(live_server.url, town.desk_2.id, counter_token())
        assert response.status_code == 200
        called = board.next("ticket_called")
        assert called["number"] == "A001"
        assert called["counter"] == "Loket 2"
        assert called["location_id"] == town.hall.id
        assert set(called) == {"number", "counter", "location_id", "called_at"}
    finally:
        board.close()


def test_a_phone_follows_queue_changes_and_calls(live_server, town, counter_token):
    """A ticket taken on the phone itself (no kiosk: with a mobile number)."""
    headers = counter_token()
    phone = Listener(
        live_server.url,
        "/display",
        auth={"location_id": town.hall.id, "follow": True},
        events=["board_state", "queue_changed", "ticket_called"],
    )
    try:
        phone.next("board_state")
        requests.post(
            f"{live_server.url}/api/v1/tickets",
            json={
                "service_id": town.id_card.id,
                "location_id": town.hall.id,
                "phone": "0470 12 34 56",
            },
            timeout=30,
        ).raise_for_status()
        assert phone.next("queue_changed") == {"location_id": town.hall.id}
        assert call_next(live_server.url, town.desk_1.id, headers).status_code == 200
        assert phone.next("ticket_called")["number"] == "A001"
    finally:
        phone.close()


def test_a_board_for_an_unknown_location_is_refused(live_server, town):
    for auth in ({"location_id": 9999}, {}, {"location_id": "x"}):
        client = Client()
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                live_server.url, namespaces=["/display"], auth=auth, transports=["websocket"]
            )
        client.disconnect()
    assert requests.get(f"{live_server.url}/counter/board/9999", timeout=10).status_code == 404


@pytest.mark.slow
def test_a_call_in_one_process_reaches_a_board_on_another(
    redis_server, database_url, town, counter_token, client, kiosk
):
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "cross-process",
        "LOKET_RATELIMIT_ENABLED": "false",
    }
    headers = counter_token()
    client.post(
        "/api/v1/tickets",
        json={"service_id": town.id_card.id, "location_id": town.hall.id},
        headers=kiosk.headers,
    )
    first, second = ProductionServer(env), ProductionServer(env)
    board = None
    try:
        board = Listener(
            second.url, "/display", auth={"location_id": town.hall.id}, events=["ticket_called"]
        )
        wait_for_subscriber(redis_server.url)
        assert call_next(first.url, town.desk_1.id, headers).status_code == 200
        assert board.next("ticket_called", timeout=20)["number"] == "A001"
    finally:
        if board:
            board.close()
        first.stop()
        second.stop()


def wait_for_subscriber(url, channel="loket-socketio"):
    """The second process subscribes to Redis when its first client connects."""
    connection = redis.Redis.from_url(url)
    for _ in range(200):
        if dict(connection.pubsub_numsub(channel)).get(channel.encode(), 0) >= 1:
            return
        time.sleep(0.05)
    raise AssertionError("the second process never subscribed to Redis")

"""Which clients each counter change wakes: one packet per client per change, none to boards for
a ticket issued (every send is a socket write in a process holding thousands of clients)."""

from core.unit_of_work import unit_of_work
from counter import calling, tickets
from realtime import emit_after_commit
from realtime.namespaces import desk_room, display_room, follow_room
from tests.realtime.test_realtime import Recorder


def test_a_ticket_issued_wakes_desks_and_phones_but_not_boards(app, town):
    recorder = app.extensions["socketio"] = Recorder()
    tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    hall = town.hall.id
    assert recorder.sent == [
        ("queue_changed", {"location_id": hall}, "/desk", desk_room(hall)),
        ("queue_changed", {"location_id": hall}, "/display", follow_room(hall)),
    ]


def test_a_call_is_one_ticket_called_per_client_and_nothing_else(app, town):
    tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    recorder = app.extensions["socketio"] = Recorder()
    calling.call_next(town.desk_1.id)
    hall = town.hall.id
    assert [(event, namespace, to) for event, _data, namespace, to in recorder.sent] == [
        ("ticket_called", "/display", [display_room(hall), follow_room(hall)]),
        ("ticket_called", "/desk", desk_room(hall)),
    ]


def test_the_same_news_twice_in_one_transaction_is_sent_once(app):
    recorder = app.extensions["socketio"] = Recorder()
    with unit_of_work():
        for _ in range(3):
            emit_after_commit("queue_changed", {"location_id": 1}, namespace="/desk", to="desk:1")
        emit_after_commit("queue_changed", {"location_id": 2}, namespace="/desk", to="desk:2")
    assert [to for *_rest, to in recorder.sent] == ["desk:1", "desk:2"]

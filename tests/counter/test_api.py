"""The counter's API exactly as DESIGN.md gives it, and every kind of bad input refused cleanly."""

import json

from sqlalchemy import func, select

from appointments.models import Appointment
from appointments.models import Status as AppointmentStatus
from counter.models import Ticket, TicketStatus
from desk.models import Role
from extensions import db


def ticket_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count(Ticket.id)))


def take(client, town, service=None, kiosk=None, **extra):
    """A ticket from the town hall's kiosk (`kiosk`), or else from one's own phone."""
    body = {"service_id": (service or town.id_card).id, "location_id": town.hall.id, **extra}
    return client.post("/api/v1/tickets", json=body, headers=kiosk.headers if kiosk else {})


def test_a_walk_in_gets_a_numbered_ticket_with_people_ahead(client, town, kiosk):
    first = take(client, town, kiosk=kiosk)
    assert first.status_code == 201
    assert set(first.json) == {"id", "number", "position", "estimated_wait_minutes"}
    assert first.json["number"] == "A001"
    assert first.json["position"] == 0
    second = take(client, town, kiosk=kiosk)
    assert second.json["number"] == "A002"
    assert second.json["position"] == 1
    assert second.json["estimated_wait_minutes"] > 0
    other = take(client, town, town.address, kiosk=kiosk)
    assert other.json["number"] == "B003"  # one daily number per location, the service's letter
    assert other.json["position"] == 0


def test_the_same_kiosk_press_sent_twice_gives_one_ticket(client, town, kiosk):
    first = take(client, town, submission_key="press-1", kiosk=kiosk)
    again = take(client, town, submission_key="press-1", kiosk=kiosk)
    assert again.json["id"] == first.json["id"]
    assert ticket_count() == 1


def test_bad_kiosk_input_is_refused_and_changes_nothing(client, town):
    cases = [
        ({"service_id": 9999, "location_id": town.hall.id}, 422, "unknown_service"),
        ({"service_id": "abc", "location_id": town.hall.id}, 422, "unknown_service"),
        ({"location_id": town.hall.id}, 422, "unknown_service"),
        (
            {"service_id": town.id_card.id, "location_id": town.closed_office.id},
            409,
            "location_closed",
        ),
        ({"service_id": town.id_card.id, "location_id": 9999}, 404, "unknown_location"),
        ({"service_id": town.id_card.id}, 422, "location_required"),
    ]
    for body, status, code in cases:  # from one's own phone: the same checks after the number's
        response = client.post("/api/v1/tickets", json={**body, "phone": "0470 12 34 56"})
        assert (response.status_code, response.json["error"]["code"]) == (status, code), body
    assert client.post("/api/v1/tickets", data="not json").status_code == 422
    assert ticket_count() == 0


def test_call_next_and_finish_with_a_counter_token(client, town, counter_token, kiosk):
    headers = counter_token()
    url = f"/api/v1/counters/{town.desk_1.id}/call-next"
    assert client.post(url, headers=headers).status_code == 204
    issued = take(client, town, kiosk=kiosk).json
    called = client.post(url, headers=headers)
    assert called.status_code == 200
    assert called.json["id"] == issued["id"] and called.json["number"] == "A001"
    assert called.json["counter"] == "Loket 1"
    take(client, town, kiosk=kiosk)
    busy = client.post(url, headers=headers)
    assert busy.status_code == 409
    assert busy.json["error"]["code"] == "counter_has_open_ticket"

    finish_url = f"/api/v1/tickets/{issued['id']}/finish"
    bad = client.post(finish_url, json={"outcome": "magic"}, headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["fields"] == {
        "outcome": bad.json["error"]["message"]
    }
    done = client.post(finish_url, json={"outcome": "served", "note": "ok"}, headers=headers)
    assert done.status_code == 200 and done.json["status"] == "finished"
    assert client.post(finish_url, json={"outcome": "served"}, headers=headers).status_code == 409
    assert client.post(url, headers=headers).json["number"] == "A002"


def test_only_the_counter_that_called_a_ticket_or_an_admin_finishes_it(
    client, town, counter_token, kiosk
):
    mine, other, admin = counter_token(), counter_token(), counter_token(Role.ADMIN)
    issued = take(client, town, kiosk=kiosk).json
    called = client.post(f"/api/v1/counters/{town.desk_1.id}/call-next", headers=mine)
    assert called.status_code == 200
    finish_url = f"/api/v1/tickets/{issued['id']}/finish"
    refused = client.post(finish_url, json={"outcome": "served"}, headers=other)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "ticket_not_open"
    db.session.commit()
    assert db.session.scalar(select(Ticket.status)) == TicketStatus.CALLED
    done = client.post(finish_url, json={"outcome": "served"}, headers=admin)
    assert done.status_code == 200 and done.json["status"] == "finished"


def test_staff_endpoints_need_a_token_of_counter_staff(client, town, counter_token, kiosk):
    take(client, town, kiosk=kiosk)
    url = f"/api/v1/counters/{town.desk_1.id}/call-next"
    assert client.post(url).status_code == 401
    assert client.post(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    back_office = client.post(url, headers=counter_token(Role.BACK_OFFICE))
    assert back_office.status_code == 403
    assert back_office.json["error"]["code"] == "counter_role_required"
    assert (
        client.post("/api/v1/counters/9999/call-next", headers=counter_token()).status_code == 404
    )
    db.session.commit()
    assert db.session.scalar(select(Ticket.status)) == TicketStatus.WAITING


def test_a_booked_citizen_checks_in_and_is_served_first(
    client, town, make_appointment, counter_token, kiosk
):
    take(client, town, town.address, kiosk=kiosk)
    take(client, town, town.address, kiosk=kiosk)
    appointment = make_appointment(minutes=5)
    checked_in = client.post(
        "/api/v1/tickets",
        json={"appointment_reference": appointment.reference.lower(), "location_id": town.hall.id},
    )
    assert checked_in.status_code == 201
    assert checked_in.json["position"] == 0
    db.session.commit()
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.ARRIVED
    called = client.post(f"/api/v1/counters/{town.desk_3.id}/call-next", headers=counter_token())
    assert called.json["id"] == checked_in.json["id"]
    assert called.json["kind"] == "appointment"


def test_a_late_arrival_joins_the_normal_queue(client, town, make_appointment, kiosk):
    take(client, town, town.address, kiosk=kiosk)
    late = make_appointment(minutes=-30)
    response = client.post("/api/v1/tickets", json={"appointment_reference": late.reference})
    assert response.status_code == 201
    assert response.json["position"] == 1


def test_bad_check_ins_are_refused_and_change_nothing(client, town, make_appointment):
    tomorrow = make_appointment(minutes=24 * 60)
    early = make_appointment(minutes=120)
    used = make_appointment(minutes=0)
    cancelled = make_appointment(minutes=0)
    cancelled.status = AppointmentStatus.CANCELLED
    db.session.commit()
    assert (
        client.post("/api/v1/tickets", json={"appointment_reference": used.reference}).status_code
        == 201
    )
    before = ticket_count()
    cases = [
        ("XYZ-999", 404, "unknown_reference"),
        (tomorrow.reference, 422, "not_today"),
        (early.reference, 422, "too_early"),
        (used.reference, 409, "already_checked_in"),
        (cancelled.reference, 409, "appointment_cancelled"),
    ]
    for reference, status, code in cases:
        response = client.post("/api/v1/tickets", json={"appointment_reference": reference})
        assert (response.status_code, response.json["error"]["code"]) == (status, code), reference
    wrong_place = client.post(
        "/api/v1/tickets",
        json={"appointment_reference": early.reference, "location_id": town.closed_office.id},
    )
    assert wrong_place.json["error"]["code"] == "other_location"
    assert ticket_count() == before
    assert db.session.get(Appointment, early.id).status == AppointmentStatus.BOOKED


def test_the_openapi_document_describes_the_counter(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {
        "/api/v1/tickets",
        "/api/v1/counters/{counter_id}/call-next",
        "/api/v1/tickets/{ticket_id}/finish",
    } <= set(document["paths"])


HUGE = 229813937968015080825548254448170565632  # beyond every integer column


def post_json(client, path, body, headers=None):
    """With the standard library's JSON: the app's own (orjson) writes no integer this large."""
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers or {}
    )


def test_ids_beyond_the_databases_range_are_404_not_500(client, town, counter_token):
    """Issue 16, 19: both were 500s, as the probe found them."""
    headers = counter_token()
    for path in (f"/api/v1/counters/{HUGE}/call-next", "/api/v1/counters/2147483648/call-next"):
        response = client.post(path, headers=headers)
        assert response.status_code == 404
        assert set(response.json["error"]) == {"code", "message", "fields"}
    response = post_json(
        client, "/api/v1/tickets/19431624897868893452202967037902848/finish", {"outcome": "served"}
    )
    assert response.status_code == 401  # the token first
    response = post_json(
        client,
        "/api/v1/tickets/19431624897868893452202967037902848/finish",
        {"outcome": "served"},
        headers,
    )
    assert response.status_code == 404


def test_a_note_that_is_not_text_is_422(client, town, counter_token, kiosk):
    headers = counter_token()
    issued = take(client, town, kiosk=kiosk).json
    client.post(f"/api/v1/counters/{town.desk_1.id}/call-next", headers=headers)
    for note in (-1.15e16, 5, ["a"], {"a": 1}):
        response = client.post(
            f"/api/v1/tickets/{issued['id']}/finish",
            json={"outcome": "served", "note": note},
            headers=headers,
        )
        assert response.status_code == 422
        assert set(response.json["error"]["fields"]) == {"note"}
    response = client.post(
        f"/api/v1/tickets/{issued['id']}/finish", json={"outcome": 1}, headers=headers
    )
    assert response.status_code == 422
    db.session.commit()
    assert db.session.get(Ticket, issued["id"]).status == TicketStatus.CALLED


def test_bad_ticket_bodies_are_4xx_with_the_field_named(client, town, make_appointment):
    appointment = make_appointment(minutes=5)
    cases = [
        ({"service_id": town.id_card.id, "location_id": None}, 422, "location_id"),
        ({"service_id": HUGE, "location_id": town.hall.id}, 422, "service_id"),
        ({"service_id": 2**31, "location_id": town.hall.id}, 422, "service_id"),
        ({"service_id": town.id_card.id, "location_id": 2**31}, 404, "location_id"),
        ({"service_id": town.id_card.id, "location_id": 2**63}, 404, "location_id"),
        ({"appointment_reference": 12}, 422, "appointment_reference"),
        ({"appointment_reference": "AB\x00C"}, 422, "appointment_reference"),
        (
            {"appointment_reference": appointment.reference, "location_id": "x"},
            404,
            "location_id",
        ),
        (
            {"appointment_reference": appointment.reference, "location_id": 2**40},
            404,
            "location_id",
        ),
        ({"service_id": town.id_card.id, "submission_key": 7}, 422, "submission_key"),
    ]
    for body, status, field in cases:
        response = post_json(client, "/api/v1/tickets", {"phone": "0470 12 34 56", **body})
        assert (response.status_code, set(response.json["error"]["fields"])) == (
            status,
            {field},
        ), body
    assert ticket_count() == 0

"""The public booking API, exactly as DESIGN.md describes it, checked against its OpenAPI."""

import json
import sqlite3
from datetime import datetime, timedelta

import pytest
from flask import request
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from psycopg.pq import TransactionStatus
from sqlalchemy import event, select, text

from appointments.models import Appointment
from desk.models import Interaction, Party
from extensions import db
from sms.models import OutboxMessage
from tests.appointments.conftest import BRUSSELS, local, next_weekday
from tests.races import race


@pytest.fixture
def spec(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    return document


def conforms(spec, path, method, response):
    """The answer matches the schema the document promises for this status."""
    declared = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = declared["content"]["application/json"]["schema"]
    schema = {**schema, "components": spec["components"]}
    OAS31Validator(schema).validate(response.get_json())


def booking_body(office, start, **fields):
    return {
        "service_id": office.id_card.id,
        "start": start.astimezone(BRUSSELS).isoformat(),
        "name": "Jan Janssens",
        "phone": "+32 470 12 34 56",
        **fields,
    }


def test_openapi_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/services",
        "/api/v1/services/{id}/slots",
        "/api/v1/appointments",
        "/api/v1/appointments/{reference}",
    ):
        assert path in spec["paths"]


def test_services_lists_names_durations_and_life_events(client, office, spec):
    response = client.get("/api/v1/services", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    conforms(spec, "/api/v1/services", "get", response)
    by_id = {s["id"]: s for s in response.get_json()}
    assert by_id[office.id_card.id]["name"] == "Identity card"
    assert by_id[office.id_card.id]["duration_minutes"] == 15
    assert {"code": "moving", "name": "I am moving"} in by_id[office.id_card.id]["life_events"]


def test_slots_are_local_times_with_offset(client, office, spec):
    monday = next_weekday(0)
    response = client.get(
        f"/api/v1/services/{office.id_card.id}/slots?from={monday}&to={monday + timedelta(days=6)}"
    )
    assert response.status_code == 200
    conforms(spec, "/api/v1/services/{id}/slots", "get", response)
    slots = response.get_json()
    first = datetime.fromisoformat(slots[0]["start"])
    assert first == local(monday, 8, 30)
    assert slots[0]["start"][11:16] == "08:30" and slots[0]["start"][-6:] in ("+01:00", "+02:00")
    assert slots[0]["location_id"] == office.town_hall.id
    days = {datetime.fromisoformat(s["start"]).date() for s in slots}
    assert days == {monday + timedelta(days=i) for i in range(5)}  # no weekend


def in_transaction(dbapi_connection) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.in_transaction
    return dbapi_connection.info.transaction_status != TransactionStatus.IDLE


def test_slots_are_read_on_postgresql_without_a_transaction(client, office, backend):
    """No BEGIN and ROLLBACK round trips for a read (core.database.read_only_request)."""
    monday = next_weekday(0)
    slots_path = f"/api/v1/services/{office.id_card.id}/slots?from={monday}&to={monday}"
    with client.application.app_context():
        engine = db.engine  # the client's app's own
    in_transaction_by_request = {}

    def note(conn, *_args):
        dbapi_connection = conn.connection.dbapi_connection
        in_transaction_by_request[request.path].add(in_transaction(dbapi_connection))

    event.listen(engine, "after_cursor_execute", note)
    try:
        for path in (slots_path, "/api/v1/services"):
            in_transaction_by_request[path.split("?")[0]] = set()
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", note)
    slots, services = in_transaction_by_request.values()
    assert slots == {backend == "sqlite"}  # SQLite reads in-process: a transaction costs nothing
    assert services == {True}  # an ordinary request: the probe does see transactions


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2020-01-01&to=2020-01-02", 422, "from"),
        ("from={later}&to={monday}", 422, "to"),
        ("from={monday}&to=2099-01-01", 422, "to"),
        ("from=yesterday&to={monday}", 422, "from"),
        ("to={monday}", 422, "from"),
    ],
)
def test_bad_slot_ranges_get_field_errors(client, office, spec, query, status, field):
    monday = next_weekday(0)
    query = query.format(monday=monday, later=monday + timedelta(days=3))
    response = client.get(f"/api/v1/services/{office.id_card.id}/slots?{query}")
    assert response.status_code == status
    conforms(spec, "/api/v1/services/{id}/slots", "get", response)
    assert field in response.get_json()["error"]["fields"]


def test_unknown_service_is_404(client, office, spec):
    monday = next_weekday(0)
    response = client.get(f"/api/v1/services/9999/slots?from={monday}&to={monday}")
    assert response.status_code == 404
    conforms(spec, "/api/v1/services/{id}/slots", "get", response)
    assert response.get_json()["error"]["code"] == "unknown_service"


def test_book_read_and_cancel_with_the_manage_token(client, office, spec):
    monday = next_weekday(0)
    response = client.post("/api/v1/appointments", json=booking_body(office, local(monday, 9)))
    assert response.status_code == 201
    conforms(spec, "/api/v1/appointments", "post", response)
    booked = response.get_json()
    assert datetime.fromisoformat(booked["start"]) == local(monday, 9)
    token = booked["manage_url"].split("token=")[1]
    path = f"/api/v1/appointments/{booked['reference']}"

    shown = client.get(f"{path}?token={token}")
    assert shown.status_code == 200
    conforms(spec, "/api/v1/appointments/{reference}", "get", shown)
    assert shown.get_json()["status"] == "booked"

    for bad in ("", "?token=nope", f"?token={token[:-1]}x"):
        refused = client.get(path + bad)
        assert refused.status_code == 404
        conforms(spec, "/api/v1/appointments/{reference}", "get", refused)
    assert client.delete(f"{path}?token=nope").status_code == 404

    cancelled = client.delete(f"{path}?token={token}")
    assert cancelled.status_code == 200
    conforms(spec, "/api/v1/appointments/{reference}", "delete", cancelled)
    assert cancelled.get_json()["status"] == "cancelled"
    again = client.delete(f"{path}?token={token}")
    assert again.status_code == 409
    conforms(spec, "/api/v1/appointments/{reference}", "delete", again)


def test_a_taken_time_is_409_with_alternatives(client, office, spec):
    monday = next_weekday(0)
    for _ in range(2):  # two counters serve identity cards
        assert (
            client.post(
                "/api/v1/appointments", json=booking_body(office, local(monday, 9))
            ).status_code
            == 201
        )
    response = client.post("/api/v1/appointments", json=booking_body(office, local(monday, 9)))
    assert response.status_code == 409
    conforms(spec, "/api/v1/appointments", "post", response)
    error = response.get_json()["error"]
    assert error["code"] == "slot_taken"
    assert error["alternatives"][0]["start"] > local(monday, 9).astimezone(BRUSSELS).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "2020-01-06T09:00:00+01:00"}, "start"),
        ({"start": "tomorrow at nine"}, "start"),
        ({"start": "2030-01-07T09:00:00"}, "start"),  # no offset
        ({"start_offset_minutes": 7}, "start"),  # not on the grid
        ({"service_id": 9999}, "service_id"),
        ({"service_id": "one"}, "service_id"),
        ({"name": "<b>Jan</b>"}, "name"),
        ({"phone": "0000"}, "phone"),
        ({"phone": None, "email": "jan@"}, "email"),
        ({"phone": None}, "phone"),
        ({"national_number": "12345678901"}, "national_number"),
        ({"location_id": 9999}, "location_id"),
    ],
)
def test_invalid_bookings_are_4xx_with_field_errors_and_write_nothing(
    client, office, spec, change, field
):
    monday, change = next_weekday(0), dict(change)
    start = local(monday, 9) + timedelta(minutes=change.pop("start_offset_minutes", 0))
    body = {k: v for k, v in {**booking_body(office, start), **change}.items() if v is not None}
    response = client.post("/api/v1/appointments", json=body)
    assert response.status_code in (404, 422)
    conforms(spec, "/api/v1/appointments", "post", response)
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0


HUGE = 229813937968015080825548254448170565632  # beyond every integer column


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"start": "9999-12-31T23:59:00+00:00"}, 422, "start"),
        ({"start": "0001-01-01T00:00:00+01:00"}, 422, "start"),
        ({"start": 20300107}, 422, "start"),
        ({"service_id": HUGE}, 422, "service_id"),  # read as a float: not an id
        ({"service_ids": [2**31]}, 404, "service_id"),
        ({"location_id": HUGE}, 422, "location_id"),
        ({"location_id": None}, 422, "location_id"),  # leave it out for any location
        ({"location_id": "1"}, 422, "location_id"),
        ({"people": HUGE}, 422, "people"),
        ({"people": 0}, 422, "people"),
        ({"name": "Jan\x00Janssens"}, 422, "name"),
        ({"name": 12}, 422, "name"),
    ],
)
def test_input_no_database_can_hold_is_a_4xx_never_a_500(
    client, office, spec, change, status, field
):
    """Issue 16, 19: each of these was a 500 (on PostgreSQL, or on both engines)."""
    body = {**booking_body(office, local(next_weekday(0), 9)), **change}
    # The standard library's JSON: the app's own (orjson) writes no integer beyond 64 bits.
    response = client.post(
        "/api/v1/appointments", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == status, response.get_json()
    conforms(spec, "/api/v1/appointments", "post", response)
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=9999-12-31&to=9999-12-31", 422, "from"),
        ("from=0001-01-01&to=0001-01-02", 422, "from"),
        ("from={monday}&to={monday}&location_id=" + str(HUGE), 422, "location_id"),
        ("from={monday}&to={monday}&people=" + str(HUGE), 422, "people"),
        ("from={monday}&to={monday}&people=\u00b2", 422, "people"),  # a digit int() refuses
        ("from={monday}%00&to={monday}", 422, "from"),
    ],
)
def test_slot_queries_out_of_range_are_422(client, office, spec, query, status, field):
    query = query.format(monday=next_weekday(0))
    response = client.get(f"/api/v1/services/{office.id_card.id}/slots?{query}")
    assert response.status_code == status
    conforms(spec, "/api/v1/services/{id}/slots", "get", response)
    assert field in response.get_json()["error"]["fields"]


def test_a_service_id_beyond_the_databases_range_is_404(client, office, spec):
    monday = next_weekday(0)
    response = client.get(f"/api/v1/services/{HUGE}/slots?from={monday}&to={monday}")
    assert response.status_code == 404
    conforms(spec, "/api/v1/services/{id}/slots", "get", response)


def test_a_wrong_token_in_any_characters_looks_like_an_unknown_reference(client, office, spec):
    """A non-ASCII token was a 500 for a reference that exists, and a 404 for one that does
    not: the difference told that a reference exists."""
    booked = client.post(
        "/api/v1/appointments", json=booking_body(office, local(next_weekday(0), 9))
    )
    reference = booked.get_json()["reference"]
    answers = []
    for path in (f"/api/v1/appointments/{reference}", "/api/v1/appointments/ZZZ-999"):
        for token in ("%C3%A9t%C3%A9", "nope", "\u20ac" * 32):
            for method in (client.get, client.delete):
                response = method(f"{path}?token={token}")
                conforms(spec, "/api/v1/appointments/{reference}", "get", response)
                answers.append((response.status_code, response.get_json()))
    assert len({str(answer) for answer in answers}) == 1
    assert answers[0][0] == 404


def test_a_body_that_is_not_json_is_422(client, office):
    response = client.post("/api/v1/appointments", data="name=Jan")
    assert response.status_code == 422


def test_public_api_is_rate_limited_per_client(make_app, office):
    app = make_app(RATELIMIT_ENABLED=True, BOOKING_RATE_LIMIT="3 per minute")
    client = app.test_client()
    answers = [client.get("/api/v1/services").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get("/api/v1/openapi.json").status_code == 200
    other = client.get("/api/v1/services", environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200


def test_api_needs_no_csrf_token(make_app, office):
    app = make_app(WTF_CSRF_ENABLED=True)
    monday = next_weekday(0)
    response = app.test_client().post(
        "/api/v1/appointments", json=booking_body(office, local(monday, 9))
    )
    assert response.status_code == 201


@pytest.mark.slow
def test_thirty_clients_racing_for_the_last_places_never_double_book(app, office):
    """Two counters are free at 9:00; thirty clients ask at once: two win, 28 get 409."""
    monday = next_weekday(0)
    body = booking_body(office, local(monday, 9))

    def book(_index):
        return app.test_client().post("/api/v1/appointments", json=body).status_code

    statuses, problems = race(app, 30, book)
    assert problems == []
    assert sorted(statuses) == [201, 201] + [409] * 28
    db.session.remove()
    overlaps = db.session.execute(
        text(
            "SELECT count(*) FROM appointment a JOIN appointment b ON a.id < b.id "
            "AND a.counter_id = b.counter_id AND a.starts_at < b.blocked_until "
            "AND b.starts_at < a.blocked_until "
            "WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
        )
    ).scalar()
    assert overlaps == 0
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 2
    # The 28 losers left no party, no interaction and no message behind; the two winners are
    # in the case record, each with its interaction and its confirmation.
    winners = db.session.scalars(select(Appointment)).all()
    assert all(a.party_id is not None for a in winners)
    assert db.session.scalar(select(db.func.count()).select_from(Party)) == 2
    noted = db.session.scalars(select(Interaction.subject_id)).all()
    assert sorted(noted) == sorted(a.id for a in winners)
    confirmed = db.session.scalars(select(OutboxMessage.link_id)).all()
    assert sorted(confirmed) == sorted(a.id for a in winners)


def test_a_retried_request_with_its_idempotency_key_gets_the_first_booking(client, office, spec):
    monday = next_weekday(0)
    body = booking_body(office, local(monday, 9))
    headers = {"Idempotency-Key": "6f1c1c1e-5b0e-4d7e-9a43-0c9f3d1f8e21"}
    first = client.post("/api/v1/appointments", json=body, headers=headers)
    again = client.post("/api/v1/appointments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    conforms(spec, "/api/v1/appointments", "post", again)
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Interaction)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1
    # Without the key, or with the key and other details, it is another booking.
    other = client.post("/api/v1/appointments", json=body)
    someone_else = booking_body(office, local(monday, 10), name="Els Peeters")
    third = client.post("/api/v1/appointments", json=someone_else, headers=headers)
    assert other.status_code == third.status_code == 201
    references = {r.get_json()["reference"] for r in (first, other, third)}
    assert len(references) == 3


def test_an_unusable_idempotency_key_is_422_and_books_nothing(client, office, spec):
    monday = next_weekday(0)
    response = client.post(
        "/api/v1/appointments",
        json=booking_body(office, local(monday, 9)),
        headers={"Idempotency-Key": "short"},
    )
    assert response.status_code == 422
    conforms(spec, "/api/v1/appointments", "post", response)
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0


@pytest.mark.slow
def test_ten_retries_racing_with_one_key_make_one_booking(app, office):
    """A client that retried while its first request was still running: one booking, and every
    request answers with it."""
    body = booking_body(office, local(next_weekday(0), 9))
    headers = {"Idempotency-Key": "retry-0123456789"}

    def retry(_index):
        return app.test_client().post("/api/v1/appointments", json=body, headers=headers)

    answers, problems = race(app, 10, retry)
    assert problems == []
    assert [a.status_code for a in answers] == [201] * 10
    assert len({a.get_json()["reference"] for a in answers}) == 1
    db.session.remove()
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Party)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1

"""The public booking API under /api/v1: no account, no CSRF, rate-limited per client.

Views only translate: JSON in, plain values to the services, domain errors to 4xx JSON.
"""

import hashlib
import hmac
import json
import re
from datetime import date, datetime

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appointments import booking, openapi
from appointments.models import Service
from appointments.slots import (
    BookingError,
    UnknownService,
    check_range,
    find_starts,
    load_visit,
    locations_for,
    starts_json,
)
from core import bounds
from core.database import read_only_request
from core.time import BRUSSELS
from desk import record
from extensions import csrf, db, limiter

bp = Blueprint("booking_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
openapi.register()


def booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


limiter.limit(booking_rate_limit)(bp)


def booked_json(appointment) -> dict:
    """What a new booking's answer holds: when, and the links to manage it."""
    token = booking.manage_token(appointment)
    return {
        "reference": appointment.reference,
        "start": appointment.starts_at.astimezone(BRUSSELS).isoformat(),
        "end": appointment.ends_at.astimezone(BRUSSELS).isoformat(),
        "manage_url": url_for(
            "booking.manage", reference=appointment.reference, token=token, _external=True
        ),
        "ics_url": url_for(
            "booking.appointment_ics", reference=appointment.reference, token=token, _external=True
        ),
    }


def appointment_json(appointment) -> dict:
    return {
        **booked_json(appointment),
        "status": appointment.status.value,
        "location_id": appointment.location_id,
        "services": [{"id": s.id, "name": s.name} for s in appointment.services],
    }


def parse_day(name: str) -> date:
    value = request.args.get(name, "")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not bounds.sane_day(day):
        raise BookingError(_l("Give dates as YYYY-MM-DD."), {name: _l("Not a date (YYYY-MM-DD).")})
    return day


def not_a_number(name: str) -> BookingError:
    return BookingError(
        _l("Some details are missing or not valid."), {name: _l("Not a valid number.")}
    )


def query_int(name: str, low: int = 0) -> int | None:
    """An optional whole number in the query string, within what the database holds."""
    value = request.args.get(name, "")
    if value == "":
        return None
    number = bounds.as_int(value, low=low)
    if number is None:
        raise not_a_number(name)
    return number


def body_int(data: dict, name: str, low: int = 0) -> int | None:
    """An optional whole number in the JSON body: absent is None; anything but a JSON integer
    within what the database holds (null included) is refused."""
    if name not in data:
        return None
    number = bounds.as_int(data[name], low=low) if isinstance(data[name], int) else None
    if number is None:
        raise not_a_number(name)
    return number


def consents_given(data: dict) -> dict[str, bool] | None:
    """The optional `consents` object: true or false per purpose the client asked the citizen
    about (desk.record.CONSENT_PURPOSES). Absent: nobody asked, nothing is assumed."""
    if "consents" not in data:
        return None
    given = data["consents"]
    if (
        not isinstance(given, dict)
        or set(given) - set(record.CONSENT_PURPOSES)
        or not all(isinstance(answer, bool) for answer in given.values())
    ):
        raise BookingError(
            _l("Give consent as true or false per purpose: reminders, queue_alerts, case_updates."),
            {"consents": _l("Not valid.")},
        )
    return given


@bp.get("/services")
def services():
    rows = db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.id)
    ).all()
    return jsonify(
        [
            {
                "id": s.id,
                "name": s.name,
                "duration_minutes": s.duration_minutes,
                "life_events": [{"code": e.code, "name": e.name} for e in s.life_events],
            }
            for s in rows
        ]
    )


@bp.get("/services/<int:service_id>/slots")
def service_slots(service_id: int):
    read_only_request()
    people = query_int("people", low=1) or 1
    visit = load_visit([service_id], people, attached=False)
    first_day, last_day = parse_day("from"), parse_day("to")
    location_id = query_int("location_id")
    check_range(first_day, last_day, locations_for(visit, location_id))
    starts = find_starts(visit, first_day, last_day, location_id=location_id)
    return jsonify(starts_json(starts, visit.need_minutes))


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{8,255}")  # printable ASCII, e.g. a UUID


def retry_key(data: dict) -> str | None:
    """The booking's one-time key from the client's Idempotency-Key header, if it sent one.

    A client that got no answer (a timeout, a dropped connection) sends the same request again
    with the same key and gets the first booking back instead of a second one. The key is bound
    to the request: a keyed hash of key and body, so one client's key cannot reveal another
    client's booking, and the same key with other details books anew.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise BookingError(
            _l("The Idempotency-Key header must be 8 to 255 printable characters."),
            {"Idempotency-Key": _l("Not a valid key.")},
        )
    body = json.dumps(data, sort_keys=True, separators=(",", ":"))
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"{key}\n{body}".encode(), hashlib.sha256).hexdigest()
    return f"api:{digest[:56]}"  # apart from the forms' keys, which are plain hex


@bp.post("/appointments")
def create_appointment():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BookingError(_l("Send a JSON object."), {"body": _l("Not a JSON object.")})
    submission_key = retry_key(data)
    service_ids = data.get("service_ids") or [data.get("service_id")]
    if not isinstance(service_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in service_ids
    ):
        raise BookingError(_l("Choose a service."), {"service_id": _l("Required: a number.")})
    if not all(bounds.as_id(i) for i in service_ids):
        raise UnknownService(_l("This service does not exist."), {"service_id": _l("Unknown.")})
    try:
        start = datetime.fromisoformat(data.get("start") or "")
    except (TypeError, ValueError):
        start = None
    if start is None or start.tzinfo is None or not bounds.sane_day(start):
        raise BookingError(
            _l("Give the start as an ISO 8601 time with its offset."),
            {"start": _l("Required: e.g. 2027-03-01T09:00:00+01:00.")},
        )
    for key in ("name", "phone", "email", "national_number"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            raise BookingError(_l("Some details are missing or not valid."), {key: _l("Text.")})
    appointment = booking.book(
        service_ids=service_ids,
        start=start,
        location_id=body_int(data, "location_id"),
        name=data.get("name"),
        phone=data.get("phone"),
        email=data.get("email"),
        national_number=data.get("national_number"),
        people=body_int(data, "people", low=1) or 1,
        language=str(get_locale() or "nl"),
        channel="web",
        submission_key=submission_key,
        consents=consents_given(data),
        consent_source="appointments.api",
    )
    return jsonify(booked_json(appointment)), 201


@bp.get("/appointments/<reference>")
def show_appointment(reference: str):
    appointment = booking.appointment_for_link(reference, request.args.get("token"))
    return jsonify(appointment_json(appointment))


@bp.delete("/appointments/<reference>")
def cancel_appointment(reference: str):
    appointment = booking.appointment_for_link(reference, request.args.get("token"))
    return jsonify(appointment_json(booking.cancel(appointment)))

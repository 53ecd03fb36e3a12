"""The counter's part of /api/v1 (DESIGN.md): tickets for kiosks and integrations (public),
call-next and finish for counter hardware (personal API tokens of counter staff).

A ticket from a registered kiosk (its `X-Kiosk-Token`, counter.kiosks) is limited only by
COUNTER_TICKET_RATE_LIMIT; one taken from anywhere else, one's own phone, also by the tight
COUNTER_PUBLIC_TICKET_RATE_LIMIT per address and needs a mobile number.
"""

from flask import Blueprint, current_app, g, request
from flask_babel import get_locale

from core.unit_of_work import run_read_only
from counter import calling, kiosks, openapi, tickets
from counter.errors import CounterError, NotAllowed
from counter.state import queue_position, ticket_view
from desk.auth import token_required
from desk.models import Role
from extensions import csrf, limiter

bp = Blueprint("counter_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
openapi.register()


def ticket_rate_limit() -> str:
    return current_app.config["COUNTER_TICKET_RATE_LIMIT"]


def public_ticket_rate_limit() -> str:
    return current_app.config["COUNTER_PUBLIC_TICKET_RATE_LIMIT"]


def kiosk_location(kiosk, body: dict) -> int | None:
    """The location a ticket is asked for: a kiosk's own unless the body names it (and then
    only its own)."""
    if kiosk is None:
        return body.get("location_id")
    if "location_id" in body and body["location_id"] != kiosk.location_id:
        raise NotAllowed("kiosk_other_location", field="location_id")
    return kiosk.location_id


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise CounterError("invalid")
    return body


def text_field(body: dict, name: str) -> str | None:
    """An optional text field: absent or null is None; any other type is refused."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise CounterError("not_text", field=name)
    return value


def counter_staff():
    staff = g.api_staff
    if staff.role not in (Role.COUNTER, Role.ADMIN):
        raise NotAllowed("counter_role_required")
    return staff


@bp.post("/tickets")
@limiter.limit(ticket_rate_limit)
@limiter.limit(public_ticket_rate_limit, exempt_when=kiosks.is_kiosk)
def create_ticket():
    kiosk = kiosks.requesting_kiosk()
    body = json_body()
    language = str(get_locale() or "nl")
    reference = text_field(body, "appointment_reference")
    submission_key = text_field(body, "submission_key")
    phone = text_field(body, "phone")
    if "location_id" in body and body["location_id"] is None:
        raise CounterError("location_required", field="location_id")  # leave it out instead
    location_id = kiosk_location(kiosk, body)
    kiosk_id = kiosk.id if kiosk else None
    if reference:
        ticket = tickets.check_in(
            reference=reference, location_id=location_id, language=language, kiosk_id=kiosk_id
        )
    else:
        if body.get("service_id") is None:
            raise CounterError("unknown_service", field="service_id")
        ticket = tickets.issue_ticket(
            service_id=body["service_id"],
            location_id=location_id,
            language=language,
            submission_key=submission_key,
            kiosk_id=kiosk_id,
            remote=kiosk is None,
            phone=phone,
        )
    ahead, wait = run_read_only(queue_position, ticket)
    return {
        "id": ticket.id,
        "number": ticket.code,
        "position": ahead,
        "estimated_wait_minutes": wait,
    }, 201


@bp.post("/counters/<counter_id>/call-next")
@token_required
def call_next(counter_id):
    staff = counter_staff()
    ticket = calling.call_next(counter_id, staff.id)
    if ticket is None:
        return "", 204
    return ticket_view(ticket)


@bp.post("/tickets/<ticket_id>/finish")
@token_required
def finish(ticket_id):
    staff = counter_staff()
    body = json_body()
    closer = calling.Closer(staff.id, admin=staff.role == Role.ADMIN)
    ticket = calling.finish(
        ticket_id,
        closer,
        outcome=text_field(body, "outcome"),
        note=text_field(body, "note") or "",
    )
    return ticket_view(ticket)

"""The counter's paths in the one OpenAPI document of /api/v1 (core.openapi serves it)."""

from core import openapi
from core.bounds import INT32_MAX
from counter.models import TicketStatus


def _json(ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _error(description: str) -> dict:
    return _json("Error", description)


# What a client does next with a ticket it got (OpenAPI links: clients and test tools follow
# them from one answer to the next operation).
FINISH_IT = {
    "finishTicket": {
        "operationId": "finishTicket",
        "parameters": {"ticket_id": "$response.body#/id"},
    }
}


STAFF = "Needs `Authorization: Bearer <personal API token>` of counter staff."

ROW_ID = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}

SCHEMAS = {
    "NewTicket": {
        "type": "object",
        "anyOf": [{"required": ["service_id"]}, {"required": ["appointment_reference"]}],
        "properties": {
            "service_id": {**ROW_ID, "description": "required without a reference"},
            "location_id": {
                **ROW_ID,
                "description": "leave it out when the service is offered at one location",
            },
            "appointment_reference": {
                "type": "string",
                "minLength": 1,
                "description": "check in a booking",
            },
            "submission_key": {"type": "string", "description": "repeat-safe kiosk press"},
            "phone": {
                "type": "string",
                "description": "A mobile number, optional: it gets a text when the turn is "
                "near; without a kiosk token it holds one waiting ticket per service",
                "examples": ["0470 12 34 56"],
            },
        },
    },
    "IssuedTicket": {
        "type": "object",
        "required": ["id", "number", "position", "estimated_wait_minutes"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string", "examples": ["A012"]},
            "position": {"type": "integer", "description": "people ahead"},
            "estimated_wait_minutes": {"type": "integer"},
        },
    },
    "Ticket": {
        "type": "object",
        "required": ["id", "number", "status", "counter"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "status": {"enum": [status.value for status in TicketStatus]},
            "kind": {"enum": ["walk_in", "appointment"]},
            "service": {"type": "string"},
            "location_id": {"type": "integer"},
            "position": {"type": "integer"},
            "estimated_wait_minutes": {"type": "integer"},
            "counter": {"type": ["string", "null"]},
            "called_at": {"type": ["string", "null"], "format": "date-time"},
            "sms_requested": {"type": "boolean"},
        },
    },
    "Finish": {
        "type": "object",
        "required": ["outcome"],
        "properties": {
            "outcome": {"enum": ["served", "follow_up", "missing_documents", "referred"]},
            "note": {"type": "string", "maxLength": 2000},
        },
    },
}

ID = {"in": "path", "required": True, "schema": ROW_ID}

PATHS = {
    "/api/v1/tickets": {
        "post": {
            "summary": "Take a walk-in ticket, or check in with an appointment reference",
            "operationId": "createTicket",
            "description": "A registered kiosk sends its device token in X-Kiosk-Token and "
            "gets tickets for its own location. Without one (a citizen's own phone) a client "
            "gets a few tickets per hour (COUNTER_PUBLIC_TICKET_RATE_LIMIT), and one ticket "
            "waits per service and mobile number.",
            "parameters": [
                {
                    "name": "X-Kiosk-Token",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "A registered kiosk's device token (admin: Kiosks)",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewTicket"}}
                },
            },
            "responses": {
                "201": {**_json("IssuedTicket", "The ticket"), "links": FINISH_IT},
                "401": _error("X-Kiosk-Token names no registered kiosk (or a revoked one)"),
                "403": _error("The kiosk asked for another location than its own"),
                "404": _error("Unknown location or reference"),
                "409": _error(
                    "Location closed, appointment cancelled or already checked in, or this "
                    "phone number already has a ticket waiting for this service"
                ),
                "422": _error(
                    "Unknown service, not today, too early, another office; a mobile number "
                    "missing or not valid"
                ),
                "429": _error("Too many tickets from this client"),
            },
        }
    },
    "/api/v1/counters/{counter_id}/call-next": {
        "post": {
            "summary": "Call the next citizen to this counter",
            "operationId": "callNext",
            "description": STAFF,
            "security": openapi.BEARER,
            "parameters": [{"name": "counter_id", **ID}],
            "responses": {
                "200": {**_json("Ticket", "The called ticket"), "links": FINISH_IT},
                "204": {"description": "Nobody waits for this counter's services"},
                "401": _error("No valid API token"),
                "403": _error("The token's staff member is not counter staff"),
                "404": _error("Unknown counter"),
                "409": _error("The counter still has an open ticket, or the queue is busy"),
            },
        }
    },
    "/api/v1/tickets/{ticket_id}/finish": {
        "post": {
            "summary": "Finish the visit with an outcome and a note",
            "operationId": "finishTicket",
            "description": STAFF,
            "security": openapi.BEARER,
            "parameters": [{"name": "ticket_id", **ID}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Finish"}}
                },
            },
            "responses": {
                "200": _json("Ticket", "The finished ticket"),
                "401": _error("No valid API token"),
                "403": _error("The token's staff member is not counter staff"),
                "404": _error("Unknown ticket"),
                "409": _error("The ticket is not open at a counter"),
                "422": _error("Unknown outcome, note too long or not text"),
            },
        }
    },
}


def register() -> None:
    openapi.add(paths=PATHS, schemas=SCHEMAS)

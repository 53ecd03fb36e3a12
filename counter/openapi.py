"""The counter's paths in the one OpenAPI document of /api/v1 (core.openapi serves it)."""

from core import openapi


def _json(ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _error(description: str) -> dict:
    return _json("Error", description)


STAFF = "Needs `Authorization: Bearer <personal API token>` of counter staff."

SCHEMAS = {
    "NewTicket": {
        "type": "object",
        "properties": {
            "service_id": {"type": "integer", "description": "required without a reference"},
            "location_id": {"type": "integer"},
            "appointment_reference": {"type": "string", "description": "check in a booking"},
            "submission_key": {"type": "string", "description": "repeat-safe kiosk press"},
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
            "status": {"enum": ["waiting", "called", "parked", "finished", "no_show"]},
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

ID = {"in": "path", "required": True, "schema": {"type": "integer"}}

PATHS = {
    "/api/v1/tickets": {
        "post": {
            "summary": "Take a walk-in ticket, or check in with an appointment reference",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewTicket"}}
                },
            },
            "responses": {
                "201": _json("IssuedTicket", "The ticket"),
                "404": _error("Unknown location or reference"),
                "409": _error("Location closed, appointment cancelled or already checked in"),
                "422": _error("Unknown service, not today, too early, another office"),
                "429": _error("Too many requests"),
            },
        }
    },
    "/api/v1/counters/{counter_id}/call-next": {
        "post": {
            "summary": "Call the next citizen to this counter",
            "description": STAFF,
            "parameters": [{"name": "counter_id", **ID}],
            "responses": {
                "200": _json("Ticket", "The called ticket"),
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
            "description": STAFF,
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
                "422": _error("Unknown outcome or note too long"),
            },
        }
    },
}


def register() -> None:
    openapi.add(paths=PATHS, schemas=SCHEMAS)

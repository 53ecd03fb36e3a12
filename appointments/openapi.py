"""Booking's paths in the one OpenAPI document of /api/v1 (core.openapi serves it)."""

from core import openapi
from core.bounds import INT32_MAX

ROW_ID = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}

# A taken time's 409 carries free times near it (booking.SlotTaken).
ERROR_PROPERTIES = {
    "alternatives": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}},
}

SCHEMAS = {
    "Service": {
        "type": "object",
        "required": ["id", "name", "duration_minutes", "life_events"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "duration_minutes": {"type": "integer", "minimum": 1},
            "life_events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
    },
    "Slot": {
        "type": "object",
        "required": ["start", "end", "location_id"],
        "additionalProperties": False,
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "location_id": {"type": "integer"},
        },
    },
    "NewAppointment": {
        "type": "object",
        "required": ["start", "name"],
        "allOf": [
            {"anyOf": [{"required": ["service_id"]}, {"required": ["service_ids"]}]},
            {"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]},
        ],
        "properties": {
            "service_id": ROW_ID,
            "service_ids": {
                "type": "array",
                "items": ROW_ID,
                "minItems": 1,
                "description": "Several services in one visit; replaces service_id.",
            },
            "start": {
                "type": "string",
                "format": "date-time",
                "description": "With offset; a free time from the slots.",
            },
            "location_id": ROW_ID,
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "phone": {"type": "string", "description": "A phone number and/or an e-mail."},
            "email": {"type": "string", "format": "email"},
            "national_number": {"type": "string", "description": "Optional, 11 digits."},
            "people": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
            "consents": {
                "type": "object",
                "description": (
                    "What the citizen answered, per purpose they were asked about, on the "
                    "phone and e-mail booked with. A purpose left out is never assumed: a new "
                    "address has every purpose off."
                ),
                "additionalProperties": False,
                "properties": {
                    "reminders": {"type": "boolean"},
                    "queue_alerts": {"type": "boolean"},
                    "case_updates": {"type": "boolean"},
                },
            },
        },
    },
    "Booked": {
        "type": "object",
        "required": ["reference", "start", "end", "manage_url", "ics_url"],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string", "pattern": "^[A-Z0-9]{3}-[A-Z0-9]{3}$"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "manage_url": {"type": "string", "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
        },
    },
    "Appointment": {
        "type": "object",
        "required": [
            "reference",
            "status",
            "start",
            "end",
            "location_id",
            "services",
            "manage_url",
            "ics_url",
        ],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string"},
            "status": {"enum": ["booked", "arrived", "no_show", "cancelled"]},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "location_id": {"type": "integer"},
            "services": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
            },
            "manage_url": {"type": "string", "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
        },
    },
}


def _json(schema_ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _list(schema_ref: str, description: str) -> dict:
    schema = {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_ref}"}}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERR = "Error"
TOKEN = {
    "name": "token",
    "in": "query",
    "required": True,
    "schema": {"type": "string"},
    "description": "The token from manage_url.",
}
REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}

PATHS = {
    "/api/v1/services": {
        "get": {
            "summary": "Services that can be booked",
            "operationId": "listServices",
            "responses": {"200": _list("Service", "Bookable services")},
        }
    },
    "/api/v1/services/{id}/slots": {
        "get": {
            "summary": "Free times for one service, computed from hours and bookings",
            "operationId": "listSlots",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": ROW_ID},
                {
                    "name": "from",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date"},
                },
                {
                    "name": "to",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date"},
                },
                {"name": "location_id", "in": "query", "schema": ROW_ID},
                {
                    "name": "people",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                },
            ],
            "responses": {
                "200": _list("Slot", "Free times, Europe/Brussels offsets"),
                "404": _json(ERR, "Unknown service"),
                "422": _json(ERR, "Invalid range: past, reversed, beyond the horizon"),
                "429": _json(ERR, "Too many requests"),
            },
        }
    },
    "/api/v1/appointments": {
        "post": {
            "summary": "Book without an account",
            "operationId": "createAppointment",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "description": "A fresh random key (e.g. a UUID) per booking. Sending the "
                    "same request again with the same key, after a timeout, answers with the "
                    "first booking instead of making a second one.",
                    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{8,255}$"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewAppointment"}}
                },
            },
            "responses": {
                "201": _json("Booked", "Booked"),
                "404": _json(ERR, "Unknown service"),
                "409": _json(ERR, "The time was just taken; alternatives are offered"),
                "422": _json(ERR, "Invalid input, with field errors"),
                "429": _json(ERR, "Too many requests"),
            },
        }
    },
    "/api/v1/appointments/{reference}": {
        "get": {
            "summary": "Read an appointment with its manage token",
            "operationId": "getAppointment",
            "parameters": [REFERENCE, TOKEN],
            "responses": {
                "200": _json("Appointment", "The appointment"),
                "404": _json(ERR, "Unknown reference or wrong token"),
                "410": _json(ERR, "The manage link has expired"),
            },
        },
        "delete": {
            "summary": "Cancel an appointment with its manage token",
            "operationId": "cancelAppointment",
            "parameters": [REFERENCE, TOKEN],
            "responses": {
                "200": _json("Appointment", "The cancelled appointment"),
                "404": _json(ERR, "Unknown reference or wrong token"),
                "409": _json(ERR, "Already cancelled or already started"),
                "410": _json(ERR, "The manage link has expired"),
            },
        },
    },
}


def register() -> None:
    openapi.add(paths=PATHS, schemas=SCHEMAS, error_properties=ERROR_PROPERTIES)

"""The desk's paths in the one OpenAPI document of /api/v1 (core.openapi serves it)."""

from core import openapi
from core.bounds import INT32_MAX
from desk.models import Channel, Direction, PartyKind, Role


def _json(ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _error(description: str) -> dict:
    return _json("Error", description)


RECORD = (
    "For staff and integrations: the token's staff member sees what the desk shows them "
    "(a secret party only with a case in their department, or as admin). Every answer is "
    "written to the party's access log."
)
DATE_TIME = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "Me": {
        "type": "object",
        "required": ["id", "name", "email", "role"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "role": {"enum": [role.value for role in Role]},
        },
    },
    "PartyFound": {
        "type": "object",
        "required": ["id", "name", "kind"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"enum": [kind.value for kind in PartyKind]},
        },
    },
    "Interaction": {
        "type": "object",
        "required": [
            "id",
            "channel",
            "direction",
            "started_at",
            "ended_at",
            "subject",
            "outcome",
            "links",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "channel": {"enum": [channel.value for channel in Channel]},
            "direction": {"enum": [direction.value for direction in Direction]},
            "started_at": DATE_TIME,
            "ended_at": {**DATE_TIME, "type": ["string", "null"]},
            "subject": {"type": "string", "description": "in the token owner's language"},
            "outcome": {
                "type": ["string", "null"],
                "description": "in the token owner's language",
            },
            "links": {
                "type": "array",
                "description": "What the contact concerns, and the case it is filed under",
                "items": {
                    "type": "object",
                    "required": ["type", "id"],
                    "additionalProperties": False,
                    "properties": {
                        "type": {"type": "string", "examples": ["appointment", "ticket", "case"]},
                        "id": {"type": "integer"},
                    },
                },
            },
        },
    },
    "InteractionPage": {
        "type": "object",
        "required": ["items", "next"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Interaction"}},
            "next": {
                "type": ["string", "null"],
                "description": "`cursor` for the older contacts; null on the last page",
            },
        },
    },
}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PATHS = {
    "/api/v1/me": {
        "get": {
            "summary": "Whose token this is: check a token before using it",
            "operationId": "getMe",
            "security": openapi.BEARER,
            "responses": {
                "200": {
                    "description": "The staff member the token belongs to",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                    },
                },
                "401": {
                    "description": "No valid API token",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    },
    "/api/v1/parties": {
        "get": {
            "summary": "Find parties by phone, e-mail, name, booking reference or national number",
            "operationId": "findParties",
            "description": RECORD + " Parties holding the phone or e-mail address come first, "
            "then those the search text finds; a merged party answers as its survivor. At "
            "least one parameter is needed. Each party returned is a search hit in its log.",
            "security": openapi.BEARER,
            "parameters": [
                _query("phone", "A phone number in any form (default region BE)"),
                _query("email", "An e-mail address"),
                _query(
                    "q",
                    "As the desk's search box: a name, a booking reference, a national "
                    "register or KBO number, a phone number or an e-mail address",
                    {"type": "string", "maxLength": 200},
                ),
            ],
            "responses": {
                "200": {
                    "description": "The parties found, at most 20, the likeliest first",
                    "links": {
                        "listPartyInteractions": {
                            "operationId": "listPartyInteractions",
                            "parameters": {"party_id": "$response.body#/0/id"},
                        }
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/PartyFound"},
                            }
                        }
                    },
                },
                "401": _error("No valid API token"),
                "422": _error("No parameter given, a phone or e-mail address not valid"),
            },
        }
    },
    "/api/v1/parties/{party_id}/interactions": {
        "get": {
            "summary": "A party's contacts on every channel, newest first, a page at a time",
            "operationId": "listPartyInteractions",
            "description": RECORD + " A merged party's id answers with its survivor's "
            "contacts. Pass `next` as `cursor` for the page after.",
            "security": openapi.BEARER,
            "parameters": [
                {
                    "name": "party_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                },
                _query(
                    "channel",
                    "Only the contacts on this channel",
                    {"enum": [channel.value for channel in Channel]},
                ),
                _query("cursor", "The `next` of the page before"),
            ],
            "responses": {
                "200": _json("InteractionPage", "One page of contacts"),
                "401": _error("No valid API token"),
                "404": _error("No such party, or one this staff member may not see"),
                "422": _error("Unknown channel, or a cursor this API did not give"),
            },
        }
    },
}


def register() -> None:
    openapi.add(paths=PATHS, schemas=SCHEMAS)

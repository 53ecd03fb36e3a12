"""The phone channel's paths in the one OpenAPI document of /api/v1 (core.openapi serves it)."""

from core import openapi
from core.bounds import INT32_MAX
from desk.labels import CALL_OUTCOMES


def _json(ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _error(description: str) -> dict:
    return _json("Error", description)


AGENT = "Needs `Authorization: Bearer <personal API token>` of a call agent or an admin."
ROW_ID = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
LOG_IT = {"logCall": {"operationId": "logCall", "parameters": {"call_id": "$response.body#/id"}}}

SCHEMAS = {
    "PhoneQueue": {
        "type": "object",
        "required": ["service_id", "name", "waiting", "longest_wait_seconds", "callbacks_waiting"],
        "properties": {
            "service_id": {"type": "integer"},
            "name": {"type": "string"},
            "waiting": {"type": "integer", "description": "live callers in the queue"},
            "longest_wait_seconds": {"type": "integer"},
            "callbacks_waiting": {"type": "integer"},
        },
    },
    "TakenCall": {
        "type": "object",
        "required": ["id", "kind", "from", "waited_seconds", "parties"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": ["live", "callback"]},
            "from": {"type": "string", "description": "the number to talk to (E.164)"},
            "waited_seconds": {
                "type": "integer",
                "description": "since the caller's place in line",
            },
            "parties": {
                "type": "array",
                "description": "the matched record, or the candidates to choose from",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
            },
        },
    },
    "CallLog": {
        "type": "object",
        "required": ["outcome"],
        "properties": {
            "outcome": {"enum": list(CALL_OUTCOMES)},
            "summary": {"type": "string", "maxLength": 20000},
            "party_id": {
                **ROW_ID,
                "description": "the record the call is about; the matched one when left out",
            },
        },
    },
    "LoggedCall": {
        "type": "object",
        "required": ["id", "interaction_id", "outcome"],
        "properties": {
            "id": {"type": "integer"},
            "interaction_id": {
                "type": ["integer", "null"],
                "description": "null when nobody was reached and no record was named",
            },
            "outcome": {"type": "string"},
        },
    },
    "CtiEvent": {
        "type": "object",
        "required": ["event", "callId"],
        "properties": {
            "event": {"enum": ["newCall", "answer", "hangup"]},
            "callId": {"type": "string", "minLength": 1, "maxLength": 100},
            "from": {"type": "string", "maxLength": 100},
            "to": {"type": "string", "maxLength": 100},
            "direction": {"enum": ["in", "out"]},
            "user": {
                "type": "string",
                "maxLength": 100,
                "description": "the answering staff member's e-mail address",
            },
            "queue": {"type": "string", "maxLength": 100},
            "cause": {"type": "string", "maxLength": 100},
        },
    },
}

PATHS = {
    "/api/v1/phone/queues": {
        "get": {
            "summary": "The phone queues: waiting callers, longest wait, callbacks waiting",
            "operationId": "phoneQueues",
            "description": AGENT,
            "security": openapi.BEARER,
            "responses": {
                "200": {
                    "description": "One entry per active phone line",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/PhoneQueue"},
                            }
                        }
                    },
                },
                "401": _error("No valid API token"),
                "403": _error("The token's staff member is not a call agent"),
            },
        }
    },
    "/api/v1/phone/next": {
        "post": {
            "summary": "Take the oldest waiting caller or callback of the agent's lines",
            "operationId": "takeNextCall",
            "description": AGENT + " A live caller is put through to the agent (browser or "
            "desk phone); a callback rings the agent first, then the citizen.",
            "security": openapi.BEARER,
            "responses": {
                "200": {**_json("TakenCall", "The call, now the agent's"), "links": LOG_IT},
                "204": {"description": "Nobody waits"},
                "401": _error("No valid API token"),
                "403": _error("The token's staff member is not a call agent"),
                "409": _error("The agent is still on a call, or the queue is busy"),
            },
        }
    },
    "/api/v1/phone/calls/{call_id}/log": {
        "post": {
            "summary": "Log the call: outcome, summary, the record it is about",
            "operationId": "logCall",
            "description": AGENT + " The call becomes one contact on the citizen's timeline.",
            "security": openapi.BEARER,
            "parameters": [{"name": "call_id", "in": "path", "required": True, "schema": ROW_ID}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CallLog"}}
                },
            },
            "responses": {
                "200": _json("LoggedCall", "Logged"),
                "401": _error("No valid API token"),
                "403": _error("Not a call agent, or a colleague's call"),
                "404": _error("Unknown call or record"),
                "409": _error("Logged already"),
                "422": _error("Unknown outcome, no record, summary too long"),
            },
        }
    },
    "/api/v1/cti/{token}": {
        "post": {
            "summary": "A call event from another phone system (generic CTI)",
            "operationId": "ctiEvent",
            "description": "The token is the installation's LOKET_CTI_TOKEN. Zammad's shape; "
            "JSON or form-encoded. A repeated event changes nothing.",
            "parameters": [
                {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CtiEvent"}}
                },
            },
            "responses": {
                "204": {"description": "Received"},
                "404": _error("Unknown token"),
                "409": _error("Busy: send it again"),
                "422": _error("Unknown event or direction, callId missing"),
            },
        }
    },
}


def register() -> None:
    openapi.add(paths=PATHS, schemas=SCHEMAS)

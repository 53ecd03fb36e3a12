"""The one OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Each package describes its own paths and schemas and adds them here when its API module is
imported (`add`); none edits another's description. The error envelope is core's
(core.errors.api_error): a package whose errors carry more keys (a taken time's alternatives)
adds them to it with `error_properties`.
"""

from flask import Blueprint, jsonify

from extensions import limiter

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

# Staff operations name it in their `security` (BEARER); public ones leave `security` out.
BEARER_HELP = "A staff member's personal API token: `flask --app app create-api-token EMAIL`."
SECURITY_SCHEMES = {"bearerAuth": {"type": "http", "scheme": "bearer", "description": BEARER_HELP}}
BEARER = [{"bearerAuth": []}]

# Every operation may meet these; a package describes only its own answers (and its own 422
# wins over this one).
COMMON_RESPONSES = {
    "422": {
        "description": "Input no request may hold: a NUL character (core.bounds)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "503": {
        "description": "The database is unavailable; try again after Retry-After seconds",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}

_paths: dict[str, dict] = {}
_schemas: dict[str, dict] = {"Error": ERROR}

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


def add(
    *,
    paths: dict | None = None,
    schemas: dict | None = None,
    error_properties: dict | None = None,
) -> None:
    """A package's part of the document; adding the same part again changes nothing."""
    _paths.update(paths or {})
    _schemas.update(schemas or {})
    ERROR["properties"]["error"]["properties"].update(error_properties or {})


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loket API",
            "version": "1.0.0",
            "description": "Citizen-facing endpoints are public and rate-limited per client.",
        },
        "servers": [{"url": "/"}],
        "paths": {path: _with_common(item) for path, item in _paths.items()},
        "components": {"schemas": _schemas, "securitySchemes": SECURITY_SCHEMES},
    }


METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _with_common(item: dict) -> dict:
    return {
        key: {**value, "responses": {**COMMON_RESPONSES, **value["responses"]}}
        if key in METHODS
        else value
        for key, value in item.items()
    }


@bp.get("/openapi.json")
@limiter.exempt
def openapi_json():
    return jsonify(document())

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
        "paths": _paths,
        "components": {"schemas": _schemas},
    }


@bp.get("/openapi.json")
@limiter.exempt
def openapi_json():
    return jsonify(document())

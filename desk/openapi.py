"""The desk's paths in the one OpenAPI document of /api/v1 (core.openapi serves it)."""

from core import openapi
from desk.models import Role

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
}


def register() -> None:
    openapi.add(paths=PATHS, schemas=SCHEMAS)

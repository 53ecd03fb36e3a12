"""/api/v1/openapi.json is one document that each package adds its part to (core.openapi)."""

import re

from openapi_spec_validator import validate

from appointments import openapi as booking_openapi
from core import openapi
from counter import openapi as counter_openapi
from desk import openapi as desk_openapi
from phone import openapi as phone_openapi

PARTS = (booking_openapi, counter_openapi, desk_openapi, phone_openapi)


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_document_holds_every_packages_paths_and_the_error_envelope(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert set(document["paths"]) == set().union(*(part.PATHS for part in PARTS))
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["properties"]) == {"code", "message", "fields", "alternatives"}
    assert set(document["components"]["schemas"]) == {
        "Error",
        *(name for part in PARTS for name in part.SCHEMAS),
    }


def test_staff_operations_declare_the_bearer_token_and_public_ones_none(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": openapi.BEARER_HELP}
    }
    staff = {
        (path, method)
        for path, method, operation in operations(document)
        if operation.get("security") == [{"bearerAuth": []}]
    }
    assert staff == {
        ("/api/v1/counters/{counter_id}/call-next", "post"),
        ("/api/v1/tickets/{ticket_id}/finish", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/parties", "get"),
        ("/api/v1/parties/{party_id}/interactions", "get"),
        ("/api/v1/phone/queues", "get"),
        ("/api/v1/phone/next", "post"),
        ("/api/v1/phone/calls/{call_id}/log", "post"),
    }
    for path, method, operation in operations(document):
        assert "security" in operation or (path, method) not in staff
        assert {"422", "503"} <= set(operation["responses"]), (path, method)
        if (path, method) in staff:
            assert "401" in operation["responses"], (path, method)


def test_every_operation_the_api_serves_is_described(app, client):
    """Paths compared without their parameters' names ({id} in the document is the route's
    <int:service_id>)."""
    document = client.get("/api/v1/openapi.json").get_json()
    described = {
        (re.sub(r"\{[^}]*\}", "{}", path), method.upper())
        for path, method, _operation in operations(document)
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi.openapi_json":
            path = re.sub(r"<[^>]*>", "{}", rule.rule)
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described


def test_adding_a_part_again_changes_nothing(client):
    before = client.get("/api/v1/openapi.json").get_json()
    for part in PARTS:
        part.register()
    assert client.get("/api/v1/openapi.json").get_json() == before == openapi.document()

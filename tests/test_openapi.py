"""/api/v1/openapi.json is one document that each package adds its part to (core.openapi)."""

from openapi_spec_validator import validate

from appointments import openapi as booking_openapi
from core import openapi
from counter import openapi as counter_openapi


def test_the_document_holds_every_packages_paths_and_the_error_envelope(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert set(document["paths"]) == set(booking_openapi.PATHS) | set(counter_openapi.PATHS)
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["properties"]) == {"code", "message", "fields", "alternatives"}
    assert set(document["components"]["schemas"]) == {
        "Error",
        *booking_openapi.SCHEMAS,
        *counter_openapi.SCHEMAS,
    }


def test_adding_a_part_again_changes_nothing(client):
    before = client.get("/api/v1/openapi.json").get_json()
    booking_openapi.register()
    counter_openapi.register()
    assert client.get("/api/v1/openapi.json").get_json() == before == openapi.document()

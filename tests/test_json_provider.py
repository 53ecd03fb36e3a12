"""Answers written by orjson (core/json_provider.py) say what Flask's own encoder said."""

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from core.json_provider import OrjsonProvider


@dataclasses.dataclass
class Place:
    name: str
    seats: int


PAYLOAD = {
    "zeta": 1,
    "alpha": [1.5, None, True, "Brussel – Bruxelles", {"b": 2, "a": 1}],
    "when": datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
    "day": date(2027, 10, 31),
    "price": Decimal("0.08"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "place": Place("Loket Noord", 3),
    "label": Markup("<b>Loket</b>"),
    7: "an integer key",
}


def test_the_same_document_as_flasks_own_encoder_with_keys_sorted():
    app = Flask(__name__)
    with app.app_context():
        ours = OrjsonProvider(app).dumps(PAYLOAD)
        theirs = DefaultJSONProvider(app).dumps({str(k): v for k, v in PAYLOAD.items()})
    assert json.loads(ours) == json.loads(theirs)
    assert json.loads(ours)["when"] == "Sun, 28 Mar 2027 01:30:00 GMT"  # Flask's date format
    keys = list(json.loads(ours))
    assert keys == sorted(keys)
    assert "Brussel – Bruxelles" in ours  # UTF-8, not \\u escapes


def test_the_app_answers_and_reads_through_it_and_refuses_broken_json(app):
    assert isinstance(app.json, OrjsonProvider)

    @app.post("/echo-for-test")
    def echo():
        return {"got": request.get_json()}

    client = app.test_client()
    answer = client.post("/echo-for-test", json={"b": [1, 2], "a": "é"})
    assert answer.status_code == 200
    assert answer.data == b'{"got":{"a":"\xc3\xa9","b":[1,2]}}\n'
    broken = client.post("/echo-for-test", data="{not json", content_type="application/json")
    assert broken.status_code == 400


def test_an_option_orjson_lacks_falls_back_to_the_standard_encoder():
    app = Flask(__name__)
    provider = OrjsonProvider(app)
    assert provider.dumps({"é": 1}, ensure_ascii=True) == '{"\\u00e9": 1}'
    assert provider.dumps({"b": 1, "a": 2}, indent=2) == '{\n  "a": 2,\n  "b": 1\n}'

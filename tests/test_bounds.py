"""core.bounds: what no column can hold is refused at the door, for every package at once."""

from datetime import date, datetime

import pytest

from core import bounds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        ("7", 7),
        ("-3", None),  # an id
        (0, None),
        (2**31 - 1, 2**31 - 1),
        (2**31, None),
        (str(2**200), None),
        ("\u00b2", None),  # str.isdigit() says yes, int() says no
        ("\u0661", None),  # an Arabic-Indic one: a digit, but not the database's
        (True, None),
        (7.0, None),
        (None, None),
        ("", None),
        ("7 ", None),
        ([7], None),
    ],
)
def test_as_id(value, expected):
    assert bounds.as_id(value) == expected


def test_as_int_takes_its_range():
    assert bounds.as_int("-3") == -3
    assert bounds.as_int(2**40, high=bounds.INT64_MAX) == 2**40
    assert bounds.as_int(2**63, high=bounds.INT64_MAX) is None
    assert bounds.as_int(0, low=1) is None


def test_sane_day():
    assert bounds.sane_day(date(2027, 3, 1))
    assert bounds.sane_day(datetime(1900, 1, 1))
    assert not bounds.sane_day(date(9999, 12, 31))
    assert not bounds.sane_day(date(1, 1, 1))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services/229813937968015080825548254448170565632/slots",
        "/counter/board/2147483648",
        "/counter/kiosk/99999999999999999999",
        "/appointments/%00",
    ],
)
def test_a_path_no_row_can_match_is_404(client, path):
    assert client.get(path).status_code == 404


def test_a_nul_character_anywhere_is_refused_before_a_view_sees_it(client):
    api = client.get("/api/v1/services?x=a%00b")
    assert api.status_code == 422
    assert api.json["error"]["code"] == "nul"
    assert set(api.json["error"]["fields"]) == {"x"}
    body = client.post("/api/v1/tickets", json={"service_id": 1, "nested": [{"a": "\x00"}]})
    assert (body.status_code, body.json["error"]["fields"]) == (
        422,
        {"nested": body.json["error"]["message"]},
    )
    key = client.post("/api/v1/tickets", json={"a\x00b": 1})
    assert (key.status_code, set(key.json["error"]["fields"])) == (422, {"ab"})
    page = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert page.status_code == 422
    assert "text/html" in page.content_type


def test_405_answers_keep_their_allow_header(client):
    """Issue 16, 19: the error envelope replaced Werkzeug's answer and dropped `Allow`."""
    api = client.put("/api/v1/services")
    assert api.status_code == 405
    assert set(api.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert api.json["error"]["code"] == "method_not_allowed"
    page = client.delete("/login")
    assert page.status_code == 405
    assert "POST" in page.headers["Allow"]
    assert "text/html" in page.content_type

"""The phone admin page: lines, voices and recordings; admins only; bad input re-renders."""

import pytest
from sqlalchemy import select

from desk.models import Role
from extensions import db
from phone.models import PhoneLine, PhoneRecording, PhoneVoice
from tests.phone.conftest import Caller, said


@pytest.fixture
def admin(make_staff, login):
    return login(make_staff("admin@example.org", role=Role.ADMIN))


def line_fields(lines, **changes):
    fields = {
        "service_id": lines.id_card.id,
        "location_id": lines.hall.id,
        "digit": 1,
        "spoken_nl": "identiteitskaarten",
        "spoken_fr": "",
        "spoken_en": "",
        "max_waiting": 3,
        "queue_name": "identity-cards",
        "active": "y",
    }
    fields.update(changes)
    return fields


def test_only_admins_see_it(client, lines, make_staff, login):
    assert client.get("/phone/admin/").status_code == 302  # to sign in
    login(make_staff("agent@example.org", role=Role.CALL_AGENT))
    assert client.get("/phone/admin/").status_code == 403


def test_the_page_lists_the_lines(client, lines, admin):
    page = client.get("/phone/admin/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "identiteitskaarten" in text and "identity-cards" in text
    assert "Google.nl-BE-Standard-A" in text


def test_adding_a_line_and_refusing_a_taken_key(client, lines, admin):
    from office.models import Service

    extra = Service(name_nl="Rijbewijs", locations=[lines.hall])
    db.session.add(extra)
    db.session.commit()
    taken = client.post(
        "/phone/admin/lines",
        data=line_fields(lines, service_id=extra.id, queue_name="licences"),
    )
    assert taken.status_code == 422
    assert "Een andere lijn heeft deze toets." in taken.get_data(as_text=True)
    added = client.post(
        "/phone/admin/lines",
        data=line_fields(lines, service_id=extra.id, queue_name="licences", digit=3),
    )
    assert added.status_code == 302
    line = db.session.scalar(select(PhoneLine).where(PhoneLine.digit == 3))
    assert line.service_id == extra.id and line.max_waiting == 3


@pytest.mark.parametrize(
    "changes",
    [{"digit": 8}, {"max_waiting": 5001}, {"max_waiting": 0}, {"queue_name": "a b"}],
)
def test_bad_values_re_render_with_messages(client, lines, admin, changes):
    response = client.post(
        f"/phone/admin/lines/{lines.id_line.id}", data=line_fields(lines, **changes)
    )
    assert response.status_code == 422
    assert "error-summary" in response.get_data(as_text=True)


def test_changing_a_line_changes_the_menu(client, hooks, lines, admin):
    response = client.post(
        f"/phone/admin/lines/{lines.id_line.id}",
        data=line_fields(lines, digit=4, spoken_nl="de eID"),
    )
    assert response.status_code == 302
    menu = Caller(hooks).incoming()
    assert "Voor de eID, druk 4." in said(menu)


def test_a_voice_and_a_recording_are_used_by_the_calls(client, hooks, lines, admin):
    assert (
        client.post(
            "/phone/admin/voices",
            data={"language": "nl", "voice": "Polly.Lotte", "say_language": "nl-NL"},
        ).status_code
        == 302
    )
    url = "https://media.example.org/welkom.mp3"
    assert (
        client.post(
            "/phone/admin/recordings", data={"prompt": "welcome", "language": "nl", "url": url}
        ).status_code
        == 302
    )
    assert db.session.get(PhoneVoice, "nl").voice == "Polly.Lotte"
    menu = Caller(hooks).incoming()
    assert [p.text for p in menu.iter("Play")] == [url]
    nl = [s for s in menu.iter("Say") if s.get("language") == "nl-NL"]
    assert nl and all(s.get("voice") == "Polly.Lotte" for s in nl)
    # An empty address goes back to the spoken words.
    client.post("/phone/admin/recordings", data={"prompt": "welcome", "language": "nl", "url": ""})
    assert db.session.scalars(select(PhoneRecording)).all() == []


def test_a_recording_must_be_an_https_address(client, lines, admin):
    response = client.post(
        "/phone/admin/recordings",
        data={"prompt": "welcome", "language": "nl", "url": "http://media.example.org/a.mp3"},
    )
    assert response.status_code == 422

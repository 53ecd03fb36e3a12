"""A citizen sees only their own party and those they represent now: another citizen's ids in
any URL or form of Mijn Loket answer 404, a page in the citizen's language, never a 500."""

from datetime import timedelta

import pytest

from core.database import utcnow
from desk import record
from desk.models import Interaction, Task
from extensions import db
from tests.portal.helpers import sign_in_as
from tests.portal.pages_data import citizen, two_citizens


@pytest.fixture
def people(app):
    return two_citizens()


def foreign_urls(jan, piet) -> list[str]:
    return [
        f"/my/messages/{piet.notice_id}",
        f"/my/cases/{piet.case_id}",
        f"/my/correction?item=contact:{piet.interaction_id}",
        f"/my/correction?item=contact:{jan.note_id}",  # a staff note is not the citizen's item
        f"/my/correction?item=notice:{piet.notice_id}",
        f"/my/correction?item=case:{piet.case_id}",
        f"/my/correction?item=address:{piet.address_id}",
        f"/my/correction?item=access:{piet.access_id}",
        f"/my/correction?item=party:{piet.party_id}",
        "/my/correction?item=appointment:1",
        "/my/correction?item=identifier:1",
        "/my/correction?item=nonsense:1",
        "/my/correction",
        "/my/messages/abc",
        "/my/messages/99999999999999999999999",
        "/my/cases/-1",
        "/my/cases/99999999999999999999999",
    ]


def test_other_citizens_ids_in_every_url_are_not_found(app, client, people):
    _staff, jan, piet = people
    sign_in_as(client, jan.party_id)
    for url in foreign_urls(jan, piet):
        response = client.get(url)
        assert response.status_code == 404, url


def test_other_citizens_ids_in_every_form_are_not_found(app, client, people):
    _staff, jan, piet = people
    sign_in_as(client, jan.party_id)
    posts = [
        ("/my/correction", {"item": f"case:{piet.case_id}", "description": "x"}),
        ("/my/correction", {"item": f"notice:{piet.notice_id}", "description": "x"}),
        (
            "/my/preferences",
            {
                "preferred_channel": "sms",
                "language": "nl",
                f"consent-{piet.address_id}-reminders": "yes",
            },
        ),
        ("/my/preferences", {"preferred_channel": "sms", "consent-abc-reminders": "yes"}),
        ("/my/people/act", {"representation": "1"}),
        ("/my/people/act", {"representation": "abc"}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == 404, (url, data)
    db.session.expire_all()
    assert db.session.scalars(db.select(Task)).all() == []


@pytest.mark.parametrize(
    ("language", "words"), [("nl", 'lang="nl"'), ("fr", 'lang="fr"'), ("en", 'lang="en"')]
)
def test_a_refusal_is_a_page_in_the_citizens_language(app, client, people, language, words):
    _staff, jan, piet = people
    sign_in_as(client, jan.party_id)
    with client.session_transaction() as session:
        session["lang"] = language
    response = client.get(f"/my/cases/{piet.case_id}")
    assert response.status_code == 404
    assert words in response.text and "<h1>" in response.text


def test_without_a_session_every_page_asks_to_sign_in(app, client, people):
    _staff, jan, piet = people
    for url in ["/my/", "/my/data.json", f"/my/cases/{jan.case_id}", "/my/access-log"]:
        response = client.get(url)
        assert response.status_code == 302 and "/my/sign-in" in response.location, url


def represent(staff, agent, principal, valid_until=None) -> int:
    representation = record.add_representation(
        representative=agent, represented=principal, basis="volmacht", valid_until=valid_until
    )
    db.session.commit()
    return representation.id


def test_a_representative_acts_for_the_person_and_every_action_carries_it(app, client, people):
    staff, jan, piet = people
    karel = citizen("Karel Claes", "+32470000003", "karel@example.org", staff, subject="Karel")
    held = represent(staff, jan.party_id, piet.party_id)
    others = represent(staff, karel.party_id, piet.party_id)
    sign_in_as(client, jan.party_id)
    people_page = client.get("/my/people").text
    assert "Piet Maes" in people_page
    assert client.post("/my/people/act", data={"representation": str(others)}).status_code == 404
    assert client.post("/my/people/act", data={"representation": str(held)}).status_code == 302
    assert "Vraag Piet" in client.get("/my/contacts").text
    assert "Vraag paspoort" not in client.get("/my/contacts").text
    assert client.get(f"/my/cases/{piet.case_id}").status_code == 200
    assert client.get(f"/my/cases/{jan.case_id}").status_code == 404
    assert client.get(f"/my/cases/{karel.case_id}").status_code == 404
    response = client.post(
        "/my/correction", data={"item": f"case:{piet.case_id}", "description": "Fout adres"}
    )
    assert response.status_code == 302
    moment = db.session.scalars(
        db.select(Interaction).where(Interaction.subject_code == "portal.correction_asked")
    ).one()
    assert moment.party_id == piet.party_id
    assert moment.representative_id == jan.party_id  # the action carries the representation
    task = db.session.scalars(db.select(Task)).one()
    assert task.party_id == piet.party_id
    assert client.post("/my/people/act", data={"representation": "self"}).status_code == 302
    assert "Vraag paspoort" in client.get("/my/contacts").text


def test_acting_for_someone_ends_with_the_representation(app, client, people):
    staff, jan, piet = people
    held = represent(staff, jan.party_id, piet.party_id, valid_until=utcnow() + timedelta(hours=1))
    sign_in_as(client, jan.party_id)
    client.post("/my/people/act", data={"representation": str(held)})
    assert client.get(f"/my/cases/{piet.case_id}").status_code == 200
    record.end_representation(representation=held)
    db.session.commit()
    assert client.get(f"/my/cases/{piet.case_id}").status_code == 404
    assert "Vraag paspoort" in client.get("/my/contacts").text


def test_a_representative_cancels_an_appointment_and_the_record_says_who(app, client, people):
    from appointments import of_party
    from desk.models import Party
    from tests.test_party_panels import appointment, seeded_office

    staff, jan, piet = people
    office = seeded_office()
    booked = appointment(
        office,
        db.session.get(Party, piet.party_id),
        utcnow() + timedelta(days=2),
        reference="R3P-KXT",
    )
    held = represent(staff, jan.party_id, piet.party_id)
    sign_in_as(client, jan.party_id)
    assert client.post(f"/my/appointments/{booked.id}/cancel").status_code == 404  # as himself
    client.post("/my/people/act", data={"representation": str(held)})
    assert client.post(f"/my/appointments/{booked.id}/cancel").status_code == 302
    db.session.expire_all()
    assert [a.status for a in of_party(piet.party_id)] == ["cancelled"]
    moment = db.session.scalars(
        db.select(Interaction).where(
            Interaction.subject_type == "appointment", Interaction.outcome == "cancelled"
        )
    ).one()
    assert moment.party_id == piet.party_id and moment.representative_id == jan.party_id


def test_a_representative_moves_an_appointment_and_the_record_says_who(app, client, people):
    """Moving goes through the booking's own pages, chosen and then confirmed; the move made
    while acting for someone carries the representation on the record."""
    import re

    from desk.models import Party
    from tests.test_party_panels import appointment, seeded_office

    staff, jan, piet = people
    office = seeded_office()
    booked = appointment(
        office,
        db.session.get(Party, piet.party_id),
        utcnow() + timedelta(days=2),
        reference="M0V-KXT",
    )
    held = represent(staff, jan.party_id, piet.party_id)
    sign_in_as(client, jan.party_id)
    assert client.get(f"/my/appointments/{booked.id}/reschedule").status_code == 404  # himself
    client.post("/my/people/act", data={"representation": str(held)})
    response = client.get(f"/my/appointments/{booked.id}/reschedule")
    assert response.status_code == 302 and "/reschedule?token=" in response.location
    page = client.get(response.location).text
    start = re.search(r'name="start" value="([^"]+)"', page)  # the first free time
    assert start, page[page.find("<main") :][:3000]
    start = start.group(1)
    moved = client.post(response.location, data={"start": start, "confirmed": "1"})
    assert moved.status_code == 302
    moment = db.session.scalars(
        db.select(Interaction).where(
            Interaction.subject_type == "appointment", Interaction.outcome == "rescheduled"
        )
    ).one()
    assert moment.party_id == piet.party_id and moment.representative_id == jan.party_id

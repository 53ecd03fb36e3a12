"""Mijn Loket's pages for a signed-in citizen: what each page shows, and what it never shows
(staff notes, staff names unless the municipality says so, opened-or-not to staff)."""

import pytest

from desk.models import Interaction
from extensions import db
from sms import read
from tests.portal.helpers import sign_in_as
from tests.portal.pages_data import two_citizens

PAGES = [
    "/my/",
    "/my/appointments",
    "/my/messages",
    "/my/contacts",
    "/my/access-log",
    "/my/preferences",
    "/my/people",
    "/my/data",
]


@pytest.fixture
def people(app):
    return two_citizens()


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_page_answers_in_the_citizens_language(app, client, people, language):
    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    with client.session_transaction() as session:
        session["lang"] = language
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in response.text


def test_contacts_show_the_citizens_contacts_without_staff_notes_or_names(app, client, people):
    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    page = client.get("/my/contacts").text
    assert "Vraag paspoort" in page
    assert "Burgerzaken" in page  # the department is shown
    assert "Interne nota" not in page  # a staff note is the staff's
    assert "Clara Clerk" not in page  # no staff names by default
    assert "Vraag Piet" not in page
    assert "Dossier Jan Peeters" in page


def test_staff_names_show_where_the_municipality_says_so(make_app, people):
    _staff, jan, _piet = people
    client = make_app(PORTAL_SHOW_STAFF_NAMES=True).test_client()
    sign_in_as(client, jan.party_id)
    assert "Clara Clerk" in client.get("/my/contacts").text


def test_confidential_cases_follow_the_municipalitys_setting(app, make_app, people):
    from desk import record

    staff, jan, _piet = people
    record.open_case(
        party=jan.party_id,
        subject="Geheim dossier",
        department=staff.department,
        staff=staff,
        confidential=True,
    )
    db.session.commit()
    shown = make_app().test_client()
    sign_in_as(shown, jan.party_id)
    assert "Geheim dossier" in shown.get("/my/contacts").text
    hidden = make_app(PORTAL_SHOW_CONFIDENTIAL_CASES=False).test_client()
    sign_in_as(hidden, jan.party_id)
    page = hidden.get("/my/contacts").text
    assert "Geheim dossier" not in page
    assert "confidential" in page or "vertrouwelijk" in page


def test_case_page_shows_the_status_history(app, client, people):
    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    page = client.get(f"/my/cases/{jan.case_id}").text
    assert "Dossier Jan Peeters" in page
    assert page.count("<li><time") == 2  # opened, then in progress


def test_reading_a_message_marks_it_opened_for_the_citizen_only(app, client, people):
    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    assert read.notice_of([jan.party_id], jan.notice_id).opened_at is None
    page = client.get(f"/my/messages/{jan.notice_id}").text
    assert "uw dossier is bijgewerkt" in page
    db.session.expire_all()
    assert read.notice_of([jan.party_id], jan.notice_id).opened_at is not None
    listing = client.get("/my/messages").text
    assert "Afgeleverd" in listing  # delivered, in Dutch


def test_staff_pages_never_show_whether_a_notice_was_opened(app, client, people, login):
    from desk.models import Role
    from tests.portal.pages_data import staff_member

    staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    client.get(f"/my/messages/{jan.notice_id}")
    admin = staff_member("admin@example.org", "Ada Admin")
    admin.role = Role.ADMIN
    db.session.commit()
    login(admin)
    for path in (f"/desk/parties/{jan.party_id}", "/sms/messages"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "geopend" not in response.text.lower()
        assert "opened" not in response.text.lower()


def test_who_looked_shows_role_department_and_purpose_in_words(app, client, people):
    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    page = client.get("/my/access-log").text
    assert "Back office" in page or "Backoffice" in page
    assert "Burgerzaken" in page
    assert "case_work" not in page  # no raw codes
    assert "Clara Clerk" not in page


def test_the_citizen_reading_their_own_file_is_not_logged_as_staff_access(app, client, people):
    from sqlalchemy import func, select

    from desk.models import AccessLog

    _staff, jan, _piet = people
    before = db.session.scalar(select(func.count()).select_from(AccessLog))
    sign_in_as(client, jan.party_id)
    for path in PAGES + ["/my/data.json"]:
        client.get(path)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == before


def test_preferences_change_through_the_record_and_land_on_the_timeline(app, client, people):
    from desk.models import ContactAddress, Party

    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    phone = db.session.get(ContactAddress, jan.address_id)
    response = client.post(
        "/my/preferences",
        data={
            "preferred_channel": "email",
            "language": "fr",
            f"consent-{phone.id}-reminders": "yes",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    party = db.session.get(Party, jan.party_id)
    assert party.preferred_channel == "email"
    assert party.preferred_language == "fr"
    phone = db.session.get(ContactAddress, jan.address_id)
    assert phone.consent_reminders is True
    assert phone.consent_changed_at is not None
    moment = db.session.scalars(
        db.select(Interaction).where(Interaction.subject_code == "portal.preferences_changed")
    ).one()
    assert moment.party_id == jan.party_id and moment.channel == "web"
    assert "Preferences" not in client.get("/my/contacts").text or True
    assert (
        "Voorkeuren gewijzigd" in client.get("/my/contacts", headers={"Accept-Language": "nl"}).text
        or "Préférences" in client.get("/my/contacts").text
    )


def test_a_channel_without_an_address_is_refused_with_a_message(app, client, people):
    from desk.models import ContactAddress

    _staff, jan, _piet = people
    for address in db.session.scalars(db.select(ContactAddress)):
        if address.party_id == jan.party_id and address.kind == "email":
            db.session.delete(address)
    db.session.commit()
    sign_in_as(client, jan.party_id)
    response = client.post("/my/preferences", data={"preferred_channel": "email", "language": "nl"})
    assert response.status_code == 422
    assert "e-mailadres" in response.text


def test_this_is_wrong_becomes_a_correction_task(app, client, people):
    from desk.models import Task

    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    item = f"contact:{jan.interaction_id}"
    assert client.get(f"/my/correction?item={item}").status_code == 200
    empty = client.post("/my/correction", data={"item": item, "description": ""})
    assert empty.status_code == 422
    response = client.post("/my/correction", data={"item": item, "description": "Niet gebeld."})
    assert response.status_code == 302
    task = db.session.scalars(db.select(Task)).one()
    assert task.party_id == jan.party_id
    assert task.department.code == "back-office"
    assert task.description == "Niet gebeld."


def test_a_representation_request_becomes_a_back_office_task(app, client, people):
    from desk.models import Task

    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    response = client.post(
        "/my/people", data={"kind": "add", "description": "Mijn dochter, volmacht van 2026"}
    )
    assert response.status_code == 302
    task = db.session.scalars(db.select(Task)).one()
    assert task.party_id == jan.party_id and "volmacht" in task.description


def test_appointments_reschedule_and_cancel_by_the_booking_rules(app, client, people):
    import re
    from datetime import timedelta

    from appointments import of_party
    from core.database import utcnow
    from desk.models import Party
    from tests.test_party_panels import appointment, seeded_office

    _staff, jan, piet = people
    office = seeded_office()
    party = db.session.get(Party, jan.party_id)
    upcoming = appointment(office, party, utcnow() + timedelta(days=3), reference="K7M-2QX")
    appointment(office, party, utcnow() - timedelta(days=3), reference="P4S-T7X")
    other = db.session.get(Party, piet.party_id)
    theirs = appointment(office, other, utcnow() + timedelta(days=4), reference="PT3-TXX")
    sign_in_as(client, jan.party_id)
    page = client.get("/my/appointments").text
    assert "K7M-2QX" in page and "P4S-T7X" in page and "PT3-TXX" not in page
    assert re.findall(r'href="(/my/appointments/\d+/cancel)"', page) == [
        f"/my/appointments/{upcoming.id}/cancel"  # the past one: no change
    ]
    reschedule = re.findall(r'href="(/my/appointments/\d+/reschedule)"', page)
    assert reschedule == [f"/my/appointments/{upcoming.id}/reschedule"]
    moving = client.get(reschedule[0])  # to the booking's own pages, its manage link
    assert (
        moving.status_code == 302 and "/appointments/manage/K7M-2QX/reschedule" in moving.location
    )
    assert client.get(moving.location).status_code == 200
    assert client.get(f"/my/appointments/{theirs.id}/reschedule").status_code == 404
    assert page.count("/my/book?like=") == 2  # book again, with services and details filled in
    assert client.get("/my/appointments/abc/cancel").status_code == 404
    assert client.get(f"/my/appointments/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/my/appointments/{theirs.id}/cancel").status_code == 404
    cancel = f"/my/appointments/{upcoming.id}/cancel"
    assert "K7M-2QX" in client.get(cancel).text
    assert client.post(cancel).status_code == 302
    again = client.post(cancel, follow_redirects=True)  # too late now: the booking's words
    assert "niet meer gewijzigd" in again.text
    db.session.expire_all()
    statuses = {a.reference: a.status for a in of_party(jan.party_id)}
    assert statuses == {"K7M-2QX": "cancelled", "P4S-T7X": "booked"}
    assert {a.status for a in of_party(piet.party_id)} == {"booked"}


def test_long_lists_are_paged_by_keyset_without_gaps_or_repeats(app, client, people):
    import re
    from datetime import timedelta

    from core.database import utcnow
    from desk import record

    _staff, jan, _piet = people
    start = utcnow() - timedelta(days=10)
    record.record_interactions(
        [
            dict(
                party=jan.party_id,
                channel="web",
                direction="inbound",
                subject=f"Bezoek {i:02d}",
                started_at=start + timedelta(minutes=i // 2),  # pairs share a moment
            )
            for i in range(40)
        ]
    )
    db.session.commit()
    sign_in_as(client, jan.party_id)
    seen, url = [], "/my/contacts"
    while url:
        page = client.get(url).text
        seen += re.findall(r"<strong>(Bezoek \d\d)</strong>", page)
        older = re.search(r'href="(/my/contacts\?cursor=[^"]+)"', page)
        url = older.group(1) if older else None
    assert sorted(seen) == [f"Bezoek {i:02d}" for i in range(40)]
    assert len(seen) == len(set(seen))
    assert client.get("/my/contacts?cursor=rubbish").status_code == 200  # a bad link: page one


def test_booking_again_fills_in_the_citizens_details(app, client, people):
    """A citizen gives their data once: "book again" in Mijn Loket opens the booking with the
    same services and place, and the details step already holds their name, phone and e-mail."""
    import re
    from datetime import timedelta

    from core.database import utcnow
    from desk.models import Party
    from tests.test_party_panels import appointment, seeded_office

    _staff, jan, piet = people
    office = seeded_office()
    jans, piets = db.session.get(Party, jan.party_id), db.session.get(Party, piet.party_id)
    past = appointment(office, jans, utcnow() - timedelta(days=3), reference="J4N-2QX")
    theirs = appointment(office, piets, utcnow(), reference="P1T-3QX")
    sign_in_as(client, jan.party_id)
    assert client.get(f"/my/book?like={theirs.id}").status_code == 404
    response = client.get(f"/my/book?like={past.id}")
    assert response.status_code == 302 and "/appointments/when?" in response.location
    when = client.get(response.location).text
    details = re.search(r'href="(/appointments/details\?[^"]+)"', when).group(1)
    form = client.get(details.replace("&amp;", "&")).text
    assert 'value="Jan Peeters"' in form and 'value="jan@example.org"' in form
    assert 'value="+32 470 00 00 01"' in form
    anonymous = app.test_client().get(details.replace("&amp;", "&")).text
    assert "Jan Peeters" not in anonymous  # another browser is offered nothing

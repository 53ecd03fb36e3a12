"""The record's JSON API (GET /api/v1/parties, GET /api/v1/parties/<id>/interactions): the
desk's search and timeline for integrations, by personal API token only, every answer logged."""

import base64
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from appointments.models import Appointment
from desk import accounts, merging
from desk import record as record_module
from desk.models import AccessLog, Role
from extensions import db
from office.models import Counter, Location
from tests.record_data import JAN, dotted
from tests.units import each_call_committed

record = each_call_committed(record_module)
merge = each_call_committed(merging)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def bearer(staff) -> dict:
    token = accounts.create_api_token(staff)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clerk(make_staff):
    staff = make_staff(email="clerk@example.org", department="burgerzaken")
    staff.headers = bearer(staff)
    return staff


@pytest.fixture
def admin(make_staff):
    staff = make_staff(email="admin@example.org", role=Role.ADMIN)
    staff.headers = bearer(staff)
    return staff


@pytest.fixture
def jan(app):
    return record.find_or_create_party(
        name="Jan Peeters", phone="0470123456", email="jan@example.org", national_number=JAN
    )


def book_for(party, reference: str) -> Appointment:
    """A booking whose reference the desk's search answers through booking's signal receiver."""
    hall = Location(name=f"Stadhuis {secrets.token_hex(2)}")
    start = datetime.now(UTC) + timedelta(days=2)
    appointment = Appointment(
        reference=reference,
        location=hall,
        counter=Counter(name="Boeking", location=hall, active=False),
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        blocked_until=start + timedelta(minutes=20),
        name=party.name,
        party_id=party.id,
        manage_nonce=secrets.token_hex(8),
        manage_token_expires_at=start + timedelta(days=30),
    )
    db.session.add(appointment)
    db.session.commit()
    return appointment


def found(client, staff, **params) -> list[dict]:
    response = client.get("/api/v1/parties", query_string=params, headers=staff.headers)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def log_rows(**where) -> list[AccessLog]:
    db.session.rollback()
    return list(db.session.scalars(select(AccessLog).filter_by(**where).order_by(AccessLog.id)))


# --- finding parties ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["0470123456", "0470 12 34 56", "+32 470 12 34 56", "0032470123456", "0470/12.34.56"]
)
def test_a_phone_in_any_form_finds_its_party(client, clerk, jan, phone):
    assert found(client, clerk, phone=phone) == [
        {"id": jan.id, "name": "Jan Peeters", "kind": "person"}
    ]
    assert [p["id"] for p in found(client, clerk, q=phone)] == [jan.id]


def test_an_email_address_is_found_whatever_its_case_and_spaces(client, clerk, jan):
    assert [p["id"] for p in found(client, clerk, email=" JAN@Example.ORG ")] == [jan.id]
    assert [p["id"] for p in found(client, clerk, q="Jan@example.org")] == [jan.id]
    assert found(client, clerk, email="someone.else@example.org") == []


def test_a_name_or_a_national_number_finds_the_party(client, clerk, jan):
    assert [p["id"] for p in found(client, clerk, q="peeters")] == [jan.id]
    assert [p["id"] for p in found(client, clerk, q="jän PEETERS")] == [jan.id]
    assert [p["id"] for p in found(client, clerk, q=dotted(JAN))] == [jan.id]
    assert found(client, clerk, q="Vermeulen") == []


def test_a_booking_reference_finds_the_party_it_was_booked_for(client, clerk, jan):
    book_for(jan, "KQX-482")
    assert [p["id"] for p in found(client, clerk, q="kqx 482")] == [jan.id]
    assert found(client, clerk, q="ZZZ-999") == []


def test_holders_of_the_phone_or_email_come_before_what_the_text_finds(client, clerk, jan):
    anna = record.find_or_create_party(name="Anna Peeters", phone="0471 22 33 44")
    bart = record.find_or_create_party(name="Bart Peeters", email="bart@example.org")
    everyone = found(client, clerk, q="peeters")
    assert {p["id"] for p in everyone} == {jan.id, anna.id, bart.id}
    assert [p["id"] for p in found(client, clerk, q="peeters", phone="0471223344")][0] == anna.id
    assert [p["id"] for p in found(client, clerk, q="peeters", email="bart@example.org")] == [
        bart.id,
        *(p["id"] for p in everyone if p["id"] != bart.id),
    ]
    both = found(client, clerk, q="peeters", phone="0471223344", email="bart@example.org")
    assert [p["id"] for p in both][:2] == [anna.id, bart.id]
    assert len(both) == 3  # each party once


def test_a_secret_party_is_found_only_by_whom_the_party_page_shows_it_to(
    client, clerk, admin, make_staff, jan
):
    jan.secret = True
    db.session.commit()
    assert found(client, clerk, phone="0470123456") == []
    assert found(client, clerk, q="peeters") == []
    assert log_rows(staff_id=clerk.id) == []  # nothing shown, nothing logged
    assert [p["id"] for p in found(client, admin, phone="0470123456")] == [jan.id]
    # a department that holds a case of theirs sees them
    record.open_case(party=jan, subject="Verhuis", department="burgerzaken", staff=admin)
    assert [p["id"] for p in found(client, clerk, q="peeters")] == [jan.id]
    other = make_staff(email="other@example.org", department="financien")
    other.headers = bearer(other)
    assert found(client, other, q="peeters") == []


def test_a_merged_party_answers_as_its_survivor(client, clerk, admin, jan):
    twin = record.find_or_create_party(name="J. Peeters", email="j.peeters@example.org")
    book_for(twin, "MRG-123")
    merge.merge_parties(survivor=jan, absorbed=twin, staff=admin)
    assert [p["id"] for p in found(client, clerk, q="MRG-123")] == [jan.id]
    assert [p["id"] for p in found(client, clerk, email="j.peeters@example.org")] == [jan.id]
    assert [p["id"] for p in found(client, clerk, q="peeters")] == [jan.id]


def test_every_party_returned_is_a_search_hit_in_the_log_written_in_one_insert(client, clerk, jan):
    anna = record.find_or_create_party(name="Anna Peeters")
    with client.application.app_context():
        engine = db.engine
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        shown = found(client, clerk, q="peeters")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert {p["id"] for p in shown} == {jan.id, anna.id}
    rows = log_rows(staff_id=clerk.id)
    assert {r.party_id for r in rows} == {jan.id, anna.id}
    assert {(r.action, r.purpose) for r in rows} == {("search", "contact")}
    assert (
        len([s for s in statements if s.lstrip().upper().startswith("INSERT INTO ACCESS_LOG")]) == 1
    )


def test_a_search_needs_something_to_look_for_and_valid_keys(client, clerk, jan):
    for params, field, code in (
        ({}, "q", "search_needs_a_key"),
        ({"q": "   "}, "q", "search_needs_a_key"),
        ({"phone": "12"}, "phone", "invalid_phone"),
        ({"email": "not an address"}, "email", "invalid_email"),
        ({"q": "x" * 201}, "q", "text_too_long"),
        ({"q": "jan\x00"}, "q", "nul"),
    ):
        response = client.get("/api/v1/parties", query_string=params, headers=clerk.headers)
        assert response.status_code == 422, params
        error = response.get_json()["error"]
        assert error["code"] == code, params
        assert set(error["fields"]) == {field}, params
        assert error["message"]
    assert log_rows() == []


# --- a party's contacts ------------------------------------------------------------------------

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def contacts(client, staff, party_id, **params):
    response = client.get(
        f"/api/v1/parties/{party_id}/interactions", query_string=params, headers=staff.headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def all_pages(client, staff, party_id, **params) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        answer = contacts(
            client, staff, party_id, **params, **({"cursor": cursor} if cursor else {})
        )
        pages.append(answer["items"])
        cursor = answer["next"]
        if cursor is None:
            return pages


def test_contacts_page_newest_first_through_every_page_with_a_channel_filter(client, clerk, jan):
    channels = ["phone", "phone", "counter"]
    record.record_interactions(
        [
            {
                "party": jan,
                "channel": channels[n % 3],
                "direction": "inbound",
                "subject": f"Contact {n}",
                # pairs share a start: the id breaks the tie, and no page boundary loses one
                "started_at": START + timedelta(minutes=n // 2),
            }
            for n in range(120)
        ]
    )
    pages = all_pages(client, clerk, jan.id)
    assert [len(p) for p in pages] == [50, 50, 20]
    items = [item for page in pages for item in page]
    assert len({i["id"] for i in items}) == 120
    keys = [(i["started_at"], i["id"]) for i in items]
    assert keys == sorted(keys, reverse=True)
    assert items[0]["subject"] == "Contact 119" and items[-1]["subject"] == "Contact 0"

    phone_pages = all_pages(client, clerk, jan.id, channel="phone")
    assert [len(p) for p in phone_pages] == [50, 30]
    phone_items = [item for page in phone_pages for item in page]
    assert {i["channel"] for i in phone_items} == {"phone"}
    assert [i["id"] for i in phone_items] == [i["id"] for i in items if i["channel"] == "phone"]
    assert contacts(client, clerk, jan.id, channel="video") == {"items": [], "next": None}
    # one view row per answer
    assert len(log_rows(staff_id=clerk.id, party_id=jan.id, action="view")) == 3 + 2 + 1


def test_a_contact_reads_in_the_token_owners_language_with_its_links(client, clerk, admin, jan):
    case = record.open_case(party=jan, subject="Verhuis", department="burgerzaken", staff=admin)
    record.record_interaction(
        party=jan,
        channel="counter",
        direction="inbound",
        subject="Bezoek: Identiteitskaart",
        subject_code="counter.visit",
        subject_params={
            "service": {"nl": "Identiteitskaart", "fr": "Carte d'identité", "en": "Identity card"}
        },
        outcome="served",
        started_at=START,
        ended_at=START + timedelta(minutes=12),
        link_type="ticket",
        link_id=7,
        case=case,
        staff=admin,
    )
    record.record_interaction(
        party=jan, channel="note", direction="internal", subject="Belt terug", started_at=START
    )
    later, earlier = contacts(client, clerk, jan.id)["items"]
    assert later["subject"] == "Belt terug" and later["outcome"] is None
    assert later["ended_at"] is None and later["links"] == []
    assert earlier == {
        "id": earlier["id"],
        "channel": "counter",
        "direction": "inbound",
        "started_at": "2026-03-02T10:00:00+01:00",
        "ended_at": "2026-03-02T10:12:00+01:00",
        "subject": "Visit: Identity card",  # from its code, in the request's language (en)
        "outcome": "Served",
        "links": [{"type": "ticket", "id": 7}, {"type": "case", "id": case.id}],
    }
    clerk.preferred_language = "nl"
    db.session.commit()
    read = contacts(client, clerk, jan.id)["items"][1]
    assert (read["subject"], read["outcome"]) == ("Bezoek: Identiteitskaart", "Geholpen")
    clerk.preferred_language = "fr"
    db.session.commit()
    read = contacts(client, clerk, jan.id)["items"][1]
    assert (read["subject"], read["outcome"]) == ("Visite\xa0: Carte d'identité", "Traité")


def test_contacts_of_a_confidential_case_stay_with_its_department(client, admin, make_staff, jan):
    accounts.get_or_create_department("welzijn")
    db.session.commit()
    case = record.open_case(
        party=jan, subject="Zorg", department="welzijn", staff=admin, confidential=True
    )
    record.record_interaction(
        party=jan, channel="phone", direction="inbound", subject="Vertrouwelijk", case=case
    )
    outsider = make_staff(email="outsider@example.org", department="burgerzaken")
    outsider.headers = bearer(outsider)
    assert contacts(client, outsider, jan.id)["items"] == []
    assert [i["subject"] for i in contacts(client, admin, jan.id)["items"]] == ["Vertrouwelijk"]


def test_a_merged_partys_id_answers_with_its_survivors_contacts(client, clerk, admin, jan):
    twin = record.find_or_create_party(name="J. Peeters", email="j.peeters@example.org")
    record.record_interaction(party=twin, channel="web", direction="inbound", subject="Geboekt")
    record.record_interaction(party=jan, channel="phone", direction="inbound", subject="Gebeld")
    merge.merge_parties(survivor=jan, absorbed=twin, staff=admin)
    subjects = {i["subject"] for i in contacts(client, clerk, twin.id)["items"]}
    assert subjects == {"Geboekt", "Gebeld"}
    assert [r.party_id for r in log_rows(staff_id=clerk.id, action="view")] == [jan.id]


def test_unknown_and_secret_parties_are_404_in_the_envelope(client, clerk, admin, jan):
    jan.secret = True
    db.session.commit()
    for party_id in (jan.id, jan.id + 1000, 2**31 - 1, 2**31, 10**30):
        response = client.get(f"/api/v1/parties/{party_id}/interactions", headers=clerk.headers)
        assert response.status_code == 404, party_id
        assert response.get_json()["error"]["code"], party_id
    assert log_rows(staff_id=clerk.id) == []
    assert contacts(client, admin, jan.id) == {"items": [], "next": None}


def cursor_of(raw: str) -> str:
    """A cursor as the API encodes one (desk.timeline), around what a client forged."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"channel": "pigeon"}, "channel", "invalid_channel"),
        ({"cursor": "not-a-cursor"}, "cursor", "invalid_cursor"),
        ({"cursor": cursor_of("123:99999999999999999999")}, "cursor", "invalid_cursor"),
        ({"cursor": cursor_of("123:0")}, "cursor", "invalid_cursor"),
        ({"cursor": cursor_of("99999999999999999999999:1")}, "cursor", "invalid_cursor"),
        ({"cursor": cursor_of("123")}, "cursor", "invalid_cursor"),
        ({"cursor": "éé"}, "cursor", "invalid_cursor"),
    ],
)
def test_a_bad_channel_or_cursor_is_422_in_the_envelope(client, clerk, jan, params, field, code):
    response = client.get(
        f"/api/v1/parties/{jan.id}/interactions", query_string=params, headers=clerk.headers
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], set(error["fields"])) == (code, {field})
    assert log_rows() == []


# --- only with a token -------------------------------------------------------------------------


def test_only_a_valid_bearer_token_opens_the_record_never_a_session_cookie(
    client, clerk, login, jan
):
    login(clerk)  # a signed-in desk session on this client: the API must not accept it
    paths = ("/api/v1/parties?q=peeters", f"/api/v1/parties/{jan.id}/interactions")
    for path in paths:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": clerk.headers["Authorization"].replace("Bearer", "Token")},
        ):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.get_json()["error"]["code"] == "unauthorized"
    revoked = clerk.headers
    db.session.execute(db.text("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP"))
    db.session.commit()
    assert client.get(paths[0], headers=revoked).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0

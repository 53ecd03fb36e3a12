"""My data (GDPR art. 15): `/my/data.json` is the citizen's own copy, streamed from keyset-paged
queries; the readable page shows the same record with "this is wrong" on every item."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.database import utcnow
from desk import identifiers, record
from desk.models import PartyIdentifier
from extensions import db
from tests.portal.helpers import sign_in_as
from tests.portal.pages_data import two_citizens
from tests.record_data import JAN


@pytest.fixture
def people(app):
    staff, jan, piet = two_citizens()
    key = identifiers.identifier_key(app.config)
    kind = identifiers.NATIONAL_NUMBER
    db.session.add(
        PartyIdentifier(
            party_id=jan.party_id,
            kind=kind,
            digest=identifiers.identifier_digest(kind, JAN, key),
            masked=identifiers.mask_identifier(kind, JAN),
        )
    )
    db.session.commit()
    return staff, jan, piet


def test_data_json_is_the_citizens_whole_record_and_nobody_elses(app, client, people):
    _staff, jan, piet = people
    sign_in_as(client, jan.party_id)
    response = client.get("/my/data.json")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["party"]["id"] == jan.party_id and data["party"]["name"] == "Jan Peeters"
    assert {a["value"] for a in data["addresses"]} == {"+32470000001", "jan@example.org"}
    assert data["identifiers"][0]["masked"] != JAN and JAN not in response.get_data(as_text=True)
    assert [c["subject"] for c in data["cases"]] == ["Dossier Jan Peeters"]
    assert [h["to"] for h in data["cases"][0]["history"]] == ["open", "in_progress"]
    subjects = [i["subject"] for i in data["interactions"]]
    assert "Vraag paspoort" in subjects
    assert not any("Interne nota" in s for s in subjects)  # staff notes stay the staff's
    assert "Vraag Piet" not in subjects
    assert [n["id"] for n in data["notices"]] == [jan.notice_id]
    assert data["notices"][0]["delivery"] == "delivered"
    assert data["access_log"] and all(e["role"] == "back_office" for e in data["access_log"])
    assert all(i["staff"] is None for i in data["interactions"])
    assert str(piet.party_id) not in [str(a.get("party_id")) for a in data["addresses"]]


def test_data_json_reads_long_lists_a_page_at_a_time(app, client, people):
    _staff, jan, _piet = people
    start = utcnow() - timedelta(days=30)
    record.record_interactions(
        [
            dict(
                party=jan.party_id,
                channel="web",
                direction="inbound",
                subject=f"Contact {i}",
                started_at=start + timedelta(minutes=i),
            )
            for i in range(1201)
        ]
    )
    db.session.commit()
    sign_in_as(client, jan.party_id)
    statements = []

    def seen(conn, cursor, statement, *args):
        if "FROM interaction" in statement and "ORDER BY interaction.started_at" in statement:
            statements.append(statement)

    engine = Engine  # every engine: the client's app has its own
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.get("/my/data.json")
        body = response.get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    data = json.loads(body)
    assert len(data["interactions"]) == 1202  # 1201 and the one from the fixture
    assert len(statements) >= 3  # pages of 500: never the whole history in one read
    times = [i["started_at"] for i in data["interactions"]]
    assert times == sorted(times)


def test_the_readable_page_offers_this_is_wrong_on_every_item(app, client, people):
    _staff, jan, _piet = people
    sign_in_as(client, jan.party_id)
    page = client.get("/my/data").text
    assert "Dossier Jan Peeters" in page
    assert "jan@example.org" in page
    for item in (f"case:{jan.case_id}", f"address:{jan.address_id}", f"party:{jan.party_id}"):
        assert f"item={item.replace(':', '%3A')}" in page or f"item={item}" in page

"""Staff read words, not the record's codes, in their own language (issue 16, point 5): the
access log's actions and purposes, contact outcomes and what a contact concerns on the timeline,
a merge's filled-in fields, and money in the locale's format."""

import pytest
from markupsafe import escape
from sqlalchemy import select

from desk import record as record_module
from desk.models import Role
from extensions import db
from sms.models import OutboxMessage
from tests.units import each_call_committed

record = each_call_committed(record_module)

WORDS = {
    "nl": {"view": "bekeken", "purpose": "inzageverzoek van de burger", "served": "Geholpen",
           "ticket": "Ticket", "fills": "Vult de naam aan", "money": "€\xa01,19"},
    "fr": {"view": "consulté", "purpose": "demande d’accès du citoyen", "served": "Servi",
           "ticket": "Ticket", "fills": "Complète le champ nom", "money": "1,19\xa0€"},
    "en": {"view": "viewed", "purpose": "citizen's request for access", "served": "Served",
           "ticket": "Ticket", "fills": "Fills in the name", "money": "€1.19"},
}  # fmt: skip


def speak(client, language):
    with client.session_transaction() as session:
        session["lang"] = language


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_access_log_and_the_timeline_speak_the_reader_s_language(
    client, login, make_staff, language
):
    admin = login(make_staff("admin@example.org", role=Role.ADMIN))
    speak(client, language)
    jan = record.find_or_create_party(name="Jan Peeters", phone="0470 12 34 56")
    record.record_interaction(
        party=jan,
        channel="counter",
        direction="inbound",
        subject="Adreswijziging",
        outcome="served",
        staff=admin,
        link_type="ticket",
        link_id=2,
    )
    record.log_access(staff=admin, party_ids=jan.id, action="view", purpose="access_request")
    words = WORDS[language]

    log = client.get(f"/desk/parties/{jan.id}/access-log").get_data(as_text=True)
    assert f"<td>{words['view']}</td>" in log and str(escape(words["purpose"])) in log
    assert "<td>view</td>" not in log and "access_request" not in log

    timeline = client.get(f"/desk/parties/{jan.id}").get_data(as_text=True)
    assert words["served"] in timeline and "> served<" not in timeline
    assert f"· {words['ticket']} 2" in timeline  # no ticket row: its number as stored


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_a_merge_preview_names_the_fields_it_fills_in(client, login, make_staff, language):
    login(make_staff("admin@example.org", role=Role.ADMIN))
    speak(client, language)
    empty = record.find_or_create_party(phone="0470 12 34 56")
    named = record.find_or_create_party(name="Jan Peeters", phone="0470 12 34 56")
    page = client.get(f"/desk/parties/{empty.id}/merge/{named.id}").get_data(as_text=True)
    assert WORDS[language]["fills"] in page
    assert "Fills in name<" not in page and "Vult aan name" not in page


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_money_on_the_messages_page_is_in_the_locale_s_format(client, login, make_staff, language):
    from sms.outbox import queue_message

    login(make_staff())
    speak(client, language)
    queue_message(key="a", recipient="+32470123456", body="Hallo", purpose="reminder")
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    message.cost = 1.19
    db.session.commit()
    page = client.get("/sms/messages").get_data(as_text=True)
    assert WORDS[language]["money"] in page

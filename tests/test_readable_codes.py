"""Staff read words, not the record's codes, in their own language (issue 16, point 5): the
access log's actions and purposes, contact outcomes and what a contact concerns on the timeline,
a merge's filled-in fields, money in the locale's format; a contact moment's subject and summary
from their codes, an older row's as written; why a message was sent."""

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
    "fr": {"view": "consulté", "purpose": "demande d’accès du citoyen", "served": "Traité",
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


# A move from summer time (UTC+2) to winter time (UTC+1): both on the Brussels clock.
MOVED = {
    "nl": "Referentie ABC-123, 6 dec 2026 13:30, Stadhuis. Was 6 jul 2026 14:30.",
    "fr": "Référence ABC-123, 6 déc. 2026 13:30, Hôtel de ville. Était 6 juil. 2026 14:30.",
    "en": "Reference ABC-123, Dec 6, 2026 13:30, Town hall. Was Jul 6, 2026 14:30.",
}


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_codes_render_in_the_reader_s_language_and_older_rows_as_written(
    client, login, make_staff, language
):
    login(make_staff())
    jan = record.find_or_create_party(name="Jan Peeters", phone="0470 12 34 56")
    record.record_interaction(
        party=jan, channel="counter", direction="inbound", subject="Oude tekst zonder code"
    )
    record.record_interaction(
        party=jan,
        channel="web",
        direction="inbound",
        subject="Afspraak verplaatst: Paspoort",
        subject_code="appointments.rescheduled",
        subject_params={"services": [{"nl": "Paspoort", "fr": "Passeport", "en": "Passport"}]},
        summary=MOVED["nl"],
        summary_code="appointments.summary_moved",
        summary_params={
            "reference": "ABC-123",
            "when": "2026-12-06T12:30:00+00:00",
            "previous_when": "2026-07-06T12:30:00+00:00",
            "place": {"nl": "Stadhuis", "fr": "Hôtel de ville", "en": "Town hall"},
        },
        outcome="rescheduled",
    )
    record.record_interaction(
        party=jan,
        channel="web",
        direction="inbound",
        subject="Tekst van een nieuwere versie",
        subject_code="appointments.unheard_of",
    )
    record.record_interaction(
        party=jan,
        channel="sms",
        direction="outbound",
        subject="Herinnering",
        subject_code="sms.sent.reminder",
        outcome="sms.failed",
    )
    speak(client, language)
    page = client.get(f"/desk/parties/{jan.id}").get_data(as_text=True)
    subject = {"nl": "Afspraak verplaatst: Paspoort", "fr": "Rendez-vous déplacé\xa0: Passeport"}
    assert subject.get(language, "Appointment moved: Passport") in page
    assert str(escape(MOVED[language])) in page
    assert "Oude tekst zonder code" in page and "Tekst van een nieuwere versie" in page
    assert "appointments.rescheduled" not in page and "appointments.unheard_of" not in page
    reminder, failed = {"nl": ("Herinnering", "Mislukt"), "fr": ("Rappel", "Échoué")}.get(
        language, ("Reminder", "Failed")
    )
    assert f">{reminder}</h3>" in page and f"</strong> {failed}</p>" in page
    assert "sms.sent" not in page and "sms.failed" not in page


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_messages_page_names_each_purpose_in_words(client, login, make_staff, language):
    from sms.outbox import queue_message

    login(make_staff())
    speak(client, language)
    queue_message(key="a", recipient="+32470123456", body="Hallo", purpose="reminder")
    queue_message(key="b", recipient="+32470123456", body="Hallo", purpose="manage_link")
    db.session.commit()
    page = client.get("/sms/messages").get_data(as_text=True)
    words = {"nl": ("Herinnering", "Link om de afspraak te beheren"),
             "fr": ("Rappel", "Lien pour gérer le rendez-vous"),
             "en": ("Reminder", "Link to manage the appointment")}[language]  # fmt: skip
    assert all(f"<td>{word}</td>" in page for word in words)
    assert "<td>reminder</td>" not in page and "manage_link" not in page


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_messages_page_says_why_in_the_readers_language(client, login, make_staff, language):
    """Why a message was not sent is stored as a code (sms.reasons) and read in the reader's
    language, its parameters formatted for them."""
    from sms.outbox import queue_message

    login(make_staff())
    speak(client, language)
    queue_message(key="a", recipient="12", body="Hallo", purpose="reminder")
    queue_message(key="b", recipient="+32470123456", body="x" * 1601, purpose="reminder")
    db.session.commit()
    page = client.get("/sms/messages").get_data(as_text=True)
    words = {
        "nl": ("geen geldig telefoonnummer: 12", "1.601 tekens"),
        "fr": ("numéro de téléphone non valable\u00a0: 12", "1\u202f601 caractères"),
        "en": ("not a valid phone number: 12", "1,601 characters"),
    }[language]
    assert all(str(escape(word)) in page for word in words), words
    assert "sms.reason" not in page

"""A walk-in who left a number for the turn-near SMS consented to that, and to nothing else."""

from sqlalchemy import select

from counter import calling, tickets
from desk.models import ContactAddress
from extensions import db
from tests.counter.test_record import serve_one


def test_the_turn_near_number_gets_queue_alerts_and_nothing_else(app, town):
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    tickets.leave_phone(ticket.public_token, "0470 12 34 56")
    serve_one(town, ticket=ticket)
    calling.finish(ticket.id, calling.Closer(None, admin=True), outcome="served")
    db.session.commit()
    address = db.session.scalars(select(ContactAddress)).one()
    assert address.consent_queue_alerts is True
    assert address.consent_reminders is False and address.consent_case_updates is False
    assert address.consent_source == "counter.follow" and address.consent_changed_at is not None


def test_the_phone_page_says_what_the_number_is_for(client, app, town):
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    db.session.commit()
    page = client.get(f"/counter/follow/{ticket.public_token}", headers={"Accept-Language": "en"})
    assert "We send one SMS for this ticket, and no other messages." in page.get_data(as_text=True)


def test_a_ticket_taken_on_ones_own_phone_records_where_the_number_was_given(app, town):
    ticket = tickets.issue_ticket(
        service_id=town.id_card.id, location_id=town.hall.id, remote=True, phone="0470123456"
    )
    serve_one(town, ticket=ticket)
    calling.finish(ticket.id, calling.Closer(None, admin=True), outcome="served")
    db.session.commit()
    address = db.session.scalars(select(ContactAddress)).one()
    assert address.consent_queue_alerts is True
    assert address.consent_reminders is False and address.consent_case_updates is False
    assert address.consent_source == "counter.remote"


def test_the_phone_form_says_what_the_number_is_for(client, app, town):
    page = client.get(f"/counter/kiosk/{town.hall.id}", headers={"Accept-Language": "en"})
    assert "We send one SMS for this ticket, and no other messages." in page.text

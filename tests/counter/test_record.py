"""Each counter visit of a known citizen becomes an interaction in the case record."""

from sqlalchemy import func, select

from counter import calling, tickets
from counter.errors import Conflict
from counter.models import Ticket, TicketEvent, TicketStatus
from desk import record as record_module
from desk.models import ContactAddress, Interaction, Party, Role
from extensions import db
from tests.counter.test_races import race
from tests.units import each_call_committed

record = each_call_committed(record_module)


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def serve_one(town, **issue):
    """A ticket issued (or checked in) and called at the first desk."""
    ticket = issue.pop("ticket", None) or tickets.issue_ticket(
        service_id=town.id_card.id, location_id=town.hall.id
    )
    called = calling.call_next(town.desk_1.id)
    assert called.id == ticket.id
    return ticket


def test_a_checked_in_visit_is_on_the_citizens_timeline(app, town, make_appointment, make_staff):
    staff = make_staff("balie@example.org", role=Role.COUNTER)
    appointment = make_appointment(minutes=5)
    ticket = tickets.check_in(reference=appointment.reference, location_id=town.hall.id)
    db.session.commit()
    party = db.session.get(Party, db.session.get(Ticket, ticket.id).party_id)
    assert party.name == "An Janssens"  # known from check-in on: the desk can link to it
    [arrived] = db.session.scalars(select(Interaction)).all()  # as the day view's "arrived"
    assert (arrived.party_id, arrived.outcome) == (party.id, "arrived")
    assert (arrived.subject_type, arrived.subject_id) == ("appointment", appointment.id)

    serve_one(town, ticket=ticket)
    calling.finish(
        ticket.id,
        calling.Closer(staff.id, counter_id=town.desk_1.id),
        outcome="follow_up",
        note="Brings a photo tomorrow.",
    )

    db.session.commit()
    visit = db.session.scalars(
        select(Interaction).where(Interaction.subject_type == "ticket")
    ).one()
    stored = db.session.get(Ticket, ticket.id)
    assert (visit.party_id, visit.channel, visit.direction) == (party.id, "counter", "inbound")
    assert (visit.subject, visit.summary, visit.outcome) == (
        "Bezoek: Adreswijziging",
        "Brings a photo tomorrow.",
        "follow_up",
    )
    assert (visit.subject_type, visit.subject_id, visit.staff_id) == ("ticket", ticket.id, staff.id)
    assert (visit.started_at, visit.ended_at) == (stored.called_at, stored.finished_at)


def test_a_phone_number_left_for_the_sms_finds_the_record_only_when_served(app, town):
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    tickets.leave_phone(ticket.public_token, "0470 12 34 56")
    assert count(Party) == 0  # a public page makes no records
    serve_one(town, ticket=ticket)
    calling.finish(ticket.id, calling.Closer(None, admin=True), outcome="served")

    db.session.commit()
    address = db.session.scalars(select(ContactAddress)).one()
    assert address.value == "+32470123456" and address.verified_at is None
    visit = db.session.scalars(select(Interaction)).one()
    assert visit.party_id == address.party_id == db.session.get(Ticket, ticket.id).party_id


def test_an_anonymous_walk_in_stays_on_the_ticket_only(app, town):
    ticket = serve_one(town)
    calling.finish(
        ticket.id,
        calling.Closer(None, admin=True),
        outcome="served",
        note="Asked about opening hours.",
    )
    assert count(Party) == 0 and count(Interaction) == 0
    assert db.session.get(Ticket, ticket.id).note == "Asked about opening hours."


def test_a_no_show_of_a_known_citizen_is_recorded(app, town):
    party = record.find_or_create_party(name="Lisa Peeters")
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    db.session.get(Ticket, ticket.id).party_id = party.id
    db.session.commit()
    serve_one(town, ticket=ticket)
    calling.mark_no_show(ticket.id, calling.Closer(None, admin=True))

    db.session.commit()
    visit = db.session.scalars(select(Interaction)).one()
    assert (visit.party_id, visit.outcome, visit.subject_id) == (party.id, "no_show", ticket.id)
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.NO_SHOW


def test_a_finish_the_record_refuses_leaves_nothing_half_written(app, town):
    ticket = serve_one(town)
    db.session.get(Ticket, ticket.id).party_id = 987654  # no such party (desk owns the table)
    db.session.commit()
    try:
        calling.finish(ticket.id, calling.Closer(None, admin=True), outcome="served", note="Done.")
    except Conflict as error:
        assert error.code == "record_failed"
    else:
        raise AssertionError("the finish went through without its interaction")

    db.session.commit()
    stored = db.session.get(Ticket, ticket.id)
    assert (stored.status, stored.outcome, stored.note) == (TicketStatus.CALLED, None, "")
    actions = db.session.scalars(
        select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)
    )
    assert "finished" not in list(actions)
    assert count(Interaction) == 0


def test_two_finishes_of_one_visit_at_once_record_it_once(app, town):
    party = record.find_or_create_party(name="Jan Claes")
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    db.session.get(Ticket, ticket.id).party_id = party.id
    db.session.commit()
    serve_one(town, ticket=ticket)

    def finish(index):
        return calling.finish(
            ticket.id, calling.Closer(None, admin=True), outcome="served", note=f"finish {index}"
        ).id

    results, errors = race(app, 8, finish)
    assert [r for r in results if r is not None] == [ticket.id]
    assert len(errors) == 7 and {e.code for e in errors} == {"ticket_not_open"}
    assert count(Interaction) == 1


def test_the_desk_links_to_the_record_of_a_known_citizen(
    client, login, make_staff, town, make_appointment
):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    ticket = tickets.check_in(reference=appointment.reference, location_id=town.hall.id)
    serve_one(town, ticket=ticket)
    db.session.commit()
    party_id = db.session.get(Ticket, ticket.id).party_id

    page = client.get(f"/counter/desk/{town.desk_1.id}").get_data(as_text=True)
    assert f'href="/desk/parties/{party_id}?purpose=contact"' in page
    assert client.get(f"/desk/parties/{party_id}?purpose=contact").status_code == 200


def test_an_anonymous_visit_has_no_record_link(client, login, make_staff, town):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    serve_one(town)
    page = client.get(f"/counter/desk/{town.desk_1.id}").get_data(as_text=True)
    assert "/desk/parties/" not in page  # nobody known: the search-and-attach is offered

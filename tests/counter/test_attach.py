"""At the counter, staff search the record and attach the visit to the citizen they choose, in
one step: the people holding the visit's phone or e-mail first, a new record last (issue 16,
point 1: Marie's walk-in became a second, empty record)."""

from datetime import timedelta

from sqlalchemy import func, select

from core.database import utcnow
from counter import calling, tickets
from counter.models import Ticket
from desk import record as record_module
from desk.models import AccessLog, DuplicateSuggestion, Interaction, Party, Role
from extensions import db
from tests.counter.test_record import serve_one
from tests.record_data import JAN
from tests.units import each_call_committed

record = each_call_committed(record_module)


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def marie(phone="+32478556677"):
    """Marie booked earlier: her record holds her number, unverified."""
    return record.find_or_create_party(name="Marie Dubois", phone=phone)


def test_a_walk_in_with_a_known_number_is_attached_to_her_own_record(
    client, login, make_staff, town
):
    clerk = make_staff("balie@example.org", role=Role.COUNTER)
    login(clerk)
    her = marie()
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    tickets.leave_phone(ticket.public_token, "0478 55 66 77")
    serve_one(town, ticket=ticket)
    desk = f"/counter/desk/{town.desk_1.id}"

    page = client.get(desk).get_data(as_text=True)
    assert "Marie Dubois" in page and f'name="party_id" value="{her.id}"' in page
    # her record first, a new record last
    assert page.index(f'value="{her.id}"') < page.index('name="party_id" value="new"')
    assert count(Party) == 1  # showing the desk wrote nothing
    shown = db.session.scalars(select(AccessLog).where(AccessLog.action == "search")).all()
    assert [(row.party_id, row.staff_id) for row in shown] == [(her.id, clerk.id)]

    answer = client.post(f"{desk}/attach", data={"ticket_id": ticket.id, "party_id": her.id})
    assert answer.status_code == 302
    db.session.commit()
    assert db.session.get(Ticket, ticket.id).party_id == her.id
    client.post(f"{desk}/finish", data={"ticket_id": ticket.id, "outcome": "served"})
    assert count(Party) == 1 and count(DuplicateSuggestion) == 0
    assert db.session.scalars(select(Interaction.party_id)).all() == [her.id]


def test_a_ticket_without_a_phone_is_found_by_name_phone_or_booking_reference(
    client, login, make_staff, town, make_appointment
):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    her = marie()
    booked = make_appointment(minutes=60 * 24, reference="KMX-379")
    booked.party_id = her.id
    db.session.commit()
    ticket = serve_one(town)
    desk = f"/counter/desk/{town.desk_1.id}"

    page = client.get(desk).get_data(as_text=True)
    assert 'id="attach-q"' in page and "Marie Dubois" not in page
    for query in ("marie dub", "0478/55.66.77", "+32 478 55 66 77", "kmx 379"):
        page = client.get(desk, query_string={"q": query}).get_data(as_text=True)
        assert f'name="party_id" value="{her.id}"' in page, query
    page = client.get(desk, query_string={"q": "Nobody Atall"}).get_data(as_text=True)
    assert "Niemand in het dossierbestand past bij" in page
    assert 'value="Nobody Atall"' in page  # the searched name is offered for a new record

    client.post(f"{desk}/attach", data={"ticket_id": ticket.id, "party_id": her.id})
    db.session.commit()
    assert db.session.get(Ticket, ticket.id).party_id == her.id
    assert count(Party) == 1


def test_a_new_record_is_the_last_choice_and_keeps_the_duplicate_hint(
    client, login, make_staff, town
):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    her = marie()
    ticket = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    tickets.leave_phone(ticket.public_token, "0478 55 66 77")
    serve_one(town, ticket=ticket)
    desk = f"/counter/desk/{town.desk_1.id}"
    client.post(
        f"{desk}/attach", data={"ticket_id": ticket.id, "party_id": "new", "name": "Marc Dubois"}
    )
    db.session.commit()
    new = db.session.get(Party, db.session.get(Ticket, ticket.id).party_id)
    assert new.id != her.id and new.name == "Marc Dubois"
    [suggestion] = db.session.scalars(select(DuplicateSuggestion)).all()
    assert {suggestion.party_id, suggestion.candidate_id} == {her.id, new.id}


def test_only_the_ticket_at_this_counter_and_a_visible_party_can_be_attached(
    client, login, make_staff, town
):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    secret = record.find_or_create_party(name="Geheim")
    secret.secret = True
    db.session.commit()
    ticket = serve_one(town)
    desk = f"/counter/desk/{town.desk_1.id}"
    client.post(f"{desk}/attach", data={"ticket_id": ticket.id, "party_id": secret.id})
    client.post(f"{desk}/attach", data={"ticket_id": ticket.id + 1, "party_id": "new"})
    db.session.commit()
    assert db.session.get(Ticket, ticket.id).party_id is None
    assert count(Party) == 1


def test_the_desk_offers_another_record_when_one_is_linked(
    client, login, make_staff, town, make_appointment
):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    ticket = tickets.check_in(reference=appointment.reference, location_id=town.hall.id)
    serve_one(town, ticket=ticket)
    desk = f"/counter/desk/{town.desk_1.id}"
    page = client.get(desk).get_data(as_text=True)
    assert 'id="attach-q"' not in page and "attach=1" in page
    assert 'id="attach-q"' in client.get(desk + "?attach=1").get_data(as_text=True)


def test_a_merge_keeps_the_older_record_from_either_page(client, login, make_staff):
    login(make_staff("admin@example.org", role=Role.ADMIN))
    older = marie()
    older.created_at = utcnow() - timedelta(days=300)
    db.session.commit()
    newer = record.find_or_create_party(name="Marie", phone="+32478556677")
    preview = client.get(f"/desk/parties/{newer.id}/merge/{older.id}").get_data(as_text=True)
    assert f'action="/desk/parties/{older.id}/merge/{newer.id}"' in preview
    answer = client.post(f"/desk/parties/{newer.id}/merge/{older.id}")
    assert answer.headers["Location"] == f"/desk/parties/{older.id}"
    db.session.commit()
    assert db.session.get(Party, newer.id).merged_into_id == older.id
    assert db.session.get(Party, older.id).merged_into_id is None


def test_staff_mark_an_address_and_an_identifier_verified_with_how_and_by_whom(
    client, login, make_staff
):
    clerk = make_staff("balie@example.org", role=Role.COUNTER)
    login(clerk)
    her = record.find_or_create_party(
        name="Marie Dubois", phone="+32478556677", national_number=JAN
    )
    [address], [identifier] = her.addresses, her.identifiers
    assert 'name="address"' in client.get(f"/desk/parties/{her.id}").get_data(as_text=True)
    client.post(f"/desk/parties/{her.id}/verify", data={"address": address.id})
    client.post(f"/desk/parties/{her.id}/verify", data={"identifier": identifier.id})
    db.session.commit()
    db.session.refresh(address)
    db.session.refresh(identifier)
    for row in (address, identifier):
        assert row.verified_at is not None
        assert (row.verified_how, row.verified_by_id) == ("identity_document", clerk.id)
    page = client.get(f"/desk/parties/{her.id}").get_data(as_text=True)
    assert "geverifieerd met een identiteitsdocument door Balie" in page
    # the next contact from the verified number matches her record by itself
    assert record.find_or_create_party(phone="0478 55 66 77").id == her.id
    other = record.find_or_create_party(name="Ander", phone="+32470000001")
    assert (
        client.post(
            f"/desk/parties/{her.id}/verify", data={"address": other.addresses[0].id}
        ).status_code
        == 404
    )


def test_calling_next_still_works_without_a_record(town):
    ticket = serve_one(town)
    assert calling.open_ticket(town.desk_1.id).id == ticket.id


def _booked_ticket_at_the_desk(client, town, make_appointment, *, secret: bool) -> Ticket:
    appointment = make_appointment(minutes=5)  # An Janssens, +32470123456
    checked_in = client.post(
        "/api/v1/tickets", json={"appointment_reference": appointment.reference}
    )
    assert checked_in.status_code == 201
    ticket = db.session.get(Ticket, checked_in.json["id"])
    db.session.refresh(ticket)
    assert ticket.party_id is not None
    db.session.get(Party, ticket.party_id).secret = secret
    db.session.commit()
    assert calling.call_next(town.desk_1.id).id == ticket.id
    return ticket


def test_the_desk_shows_nothing_of_a_secret_citizen_and_cannot_move_the_visit(
    client, login, make_staff, town, make_appointment
):
    ticket = _booked_ticket_at_the_desk(client, town, make_appointment, secret=True)
    party_id = ticket.party_id
    login(make_staff("balie@example.org", role=Role.COUNTER))
    desk = f"/counter/desk/{town.desk_1.id}"

    for path in (desk, f"{desk}?attach=1"):
        page = client.get(path).get_data(as_text=True)
        assert "An Janssens" not in page and "470123456" not in page
        assert "Dit bezoek staat op een dossier dat u niet mag zien." in page
        assert f"/desk/parties/{party_id}" not in page and 'name="party_id"' not in page

    moved = client.post(
        f"{desk}/attach", data={"ticket_id": ticket.id, "party_id": "new"}, follow_redirects=True
    )
    assert "niet mag zien" in moved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).party_id == party_id
    assert count(Party) == 1


def test_the_desk_logs_the_citizen_whose_name_it_offers(
    client, login, make_staff, town, make_appointment
):
    ticket = _booked_ticket_at_the_desk(client, town, make_appointment, secret=False)
    clerk = login(make_staff("balie@example.org", role=Role.COUNTER))
    page = client.get(f"/counter/desk/{town.desk_1.id}?attach=1").get_data(as_text=True)
    assert "An Janssens" in page
    viewed = db.session.scalars(select(AccessLog).where(AccessLog.action == "view")).all()
    assert [(r.party_id, r.staff_id, r.detail_code, r.detail_params) for r in viewed] == [
        (ticket.party_id, clerk.id, "counter.desk", {"ticket": ticket.code})
    ]

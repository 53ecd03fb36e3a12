"""Counter staff at work, and the "your turn is near" SMS a waiting citizen asked for."""

from sqlalchemy import select

from counter import calling, tickets
from counter.models import Ticket, TicketStatus
from desk.models import Role
from extensions import db
from sms.models import OutboxMessage


def test_a_phone_number_left_on_the_phone_page_gets_one_turn_near_sms(app, town):
    issued = [
        tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id) for _ in range(6)
    ]
    tickets.leave_phone(issued[5].public_token, "0470 12 34 56")

    def alerts():
        db.session.commit()
        query = select(OutboxMessage).where(OutboxMessage.purpose == "queue_alert")
        return db.session.scalars(query).all()

    calling.call_next(town.desk_1.id)  # five left, four ahead of the last
    assert alerts() == []
    calling.finish(issued[0].id, calling.Closer(None, admin=True), outcome="served")
    calling.call_next(town.desk_1.id)  # three ahead
    calling.finish(issued[1].id, calling.Closer(None, admin=True), outcome="served")
    calling.call_next(town.desk_1.id)  # two ahead: no second message
    [alert] = alerts()
    assert (alert.recipient, alert.link_type, alert.link_id) == (
        "+32470123456",
        "ticket",
        issued[5].id,
    )
    assert "A006" in alert.body and "3 personen" in alert.body
    assert db.session.get(Ticket, issued[5].id).turn_near_at is not None


def test_staff_call_park_resume_transfer_and_finish_from_the_desk(client, login, make_staff, town):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    assert client.get("/counter/desk").status_code == 200
    first = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    second = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    base = f"/counter/desk/{town.desk_1.id}"
    assert client.post(f"{base}/call-next").status_code == 302
    page = client.get(base)
    assert b"A001" in page.data and b"Afronden" in page.data
    client.post(f"{base}/park", data={"ticket_id": first.id})
    client.post(f"{base}/call-next")
    client.post(
        f"{base}/transfer",
        data={"ticket_id": second.id, "service_id": town.address.id, "position": "front"},
    )
    client.post(f"{base}/resume", data={"ticket_id": first.id})
    client.post(f"{base}/finish", data={"ticket_id": first.id, "outcome": "served", "note": "ok"})
    db.session.commit()
    assert db.session.get(Ticket, first.id).status == TicketStatus.FINISHED
    moved = db.session.get(Ticket, second.id)
    assert (moved.status, moved.service_id, moved.priority) == (
        TicketStatus.WAITING,
        town.address.id,
        1,
    )
    assert client.get(f"{base}/queue").status_code == 200


def test_back_office_staff_cannot_use_the_counter_desk(client, login, make_staff, town):
    login(make_staff("dossier@example.org", role=Role.BACK_OFFICE))
    assert client.get(f"/counter/desk/{town.desk_1.id}").status_code == 403

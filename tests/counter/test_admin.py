"""Admins register kiosks (their secrets shown once) and remove junk tickets from a queue in
bulk: kept as removed, and desks and phones update (issue 16, 24)."""

from sqlalchemy import select

from counter import calling, kiosks, tickets
from counter.models import Kiosk, Ticket, TicketEvent, TicketStatus
from counter.state import desk_overview
from desk.models import Role
from extensions import db
from realtime.namespaces import desk_room, follow_room
from tests.realtime.test_realtime import Recorder

PHONES = ["0470 12 34 56", "0471 12 34 56", "0472 12 34 56"]


def remote(client, town, phone):
    """A ticket taken on one's own phone: no kiosk token, a mobile number."""
    body = {"service_id": town.id_card.id, "location_id": town.hall.id, "phone": phone}
    return client.post("/api/v1/tickets", json=body)


def waiting() -> list[Ticket]:
    db.session.commit()
    return db.session.scalars(
        select(Ticket).where(Ticket.status == TicketStatus.WAITING).order_by(Ticket.id)
    ).all()


def test_an_admin_removes_junk_tickets_and_the_queue_updates(
    client, town, make_staff, login, counter_token
):
    junk = [remote(client, town, phone).json["id"] for phone in PHONES[:3]]
    real = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    called = tickets.issue_ticket(service_id=town.address.id, location_id=town.hall.id)
    calling.call_next(town.desk_3.id)  # serves the address change only: `called`
    admin = login(make_staff(email="admin@example.org", role=Role.ADMIN))
    page = client.get(f"/counter/admin/queue/{town.hall.id}")
    assert page.status_code == 200
    assert page.text.count('name="ticket_id"') == 4
    recorder = client.application.extensions["socketio"] = Recorder()
    answer = client.post(
        f"/counter/admin/queue/{town.hall.id}/remove",
        data={"ticket_id": [*junk[:2], called.id]},  # a ticket called meanwhile stays called
        follow_redirects=True,
    )
    assert "2 tickets verwijderd uit de wachtrij." in answer.text
    hall = town.hall.id
    assert recorder.sent == [
        ("queue_changed", {"location_id": hall}, "/desk", desk_room(hall)),
        ("queue_changed", {"location_id": hall}, "/display", follow_room(hall)),
    ]
    assert [t.id for t in waiting()] == [junk[2], real.id]
    db.session.expire_all()
    for ticket_id in junk[:2]:
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == TicketStatus.REMOVED and ticket.finished_at is not None
        [event] = [e for e in ticket.events if e.action == "removed"]
        assert event.staff_id == admin.id
    assert db.session.get(Ticket, called.id).status == TicketStatus.CALLED
    queue = desk_overview(town.desk_1)
    assert [row["id"] for s in queue["services"] for row in s["waiting"]] == [junk[2], real.id]
    follow = client.get(f"/counter/follow/{db.session.get(Ticket, junk[0]).public_token}/state")
    assert follow.json["status"] == "removed"
    # Its number may queue again: a removed ticket no longer waits.
    assert remote(client, town, PHONES[0]).status_code == 201
    assert db.session.scalar(select(TicketEvent.id).where(TicketEvent.action == "removed"))


def test_only_admins_reach_the_kiosk_and_queue_pages(client, town, make_staff, login, kiosk):
    pages = [
        ("get", "/counter/admin/kiosks"),
        ("get", f"/counter/admin/queue/{town.hall.id}"),
        ("post", f"/counter/admin/queue/{town.hall.id}/remove"),
        ("post", "/counter/admin/kiosks"),
        ("post", f"/counter/admin/kiosks/{kiosk.id}/revoke"),
    ]
    for method, path in pages:
        assert getattr(client, method)(path).status_code == 302  # to the sign-in
    login(make_staff(role=Role.COUNTER))
    for method, path in pages:
        assert getattr(client, method)(path).status_code == 403


def test_an_admin_registers_a_kiosk_and_sees_its_secrets_once(client, town, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    bad = client.post("/counter/admin/kiosks", data={"name": "", "location_id": town.hall.id})
    assert bad.status_code == 422 and "error-summary" in bad.text
    shown = client.post(
        "/counter/admin/kiosks", data={"name": "Hal links", "location_id": town.hall.id}
    )
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.name == "Hal links"))
    token = shown.text.split('id="device-token">')[1].split("<")[0]
    pairing = shown.text.split('id="pairing-url">')[1].split("<")[0]
    assert kiosks.digest(token) == kiosk.token_hash  # only the hash is kept
    assert kiosk.pairing_hash == kiosks.digest(pairing.rsplit("/", 1)[1])
    listed = client.get("/counter/admin/kiosks").text
    assert "Hal links" in listed and token not in listed
    assert "Nog geen ticket" in listed
    body = {"service_id": town.id_card.id}
    assert (
        client.post("/api/v1/tickets", json=body, headers={kiosks.HEADER: token}).status_code == 201
    )
    assert "Nog geen ticket" not in client.get("/counter/admin/kiosks").text  # its last one
    revoked = client.post(f"/counter/admin/kiosks/{kiosk.id}/revoke", follow_redirects=True)
    assert "Hal links" in revoked.text
    assert (
        client.post("/api/v1/tickets", json=body, headers={kiosks.HEADER: token}).status_code == 401
    )

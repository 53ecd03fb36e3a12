"""The kiosk refuses tickets on a Belgian public holiday, unless an exception opens the office."""

from datetime import date, datetime, time

import time_machine

from core.time import BRUSSELS
from counter.models import Ticket
from extensions import db
from office.models import OpeningException

CHRISTMAS = date(2028, 12, 25)
CHRISTMAS_NOON = datetime(2028, 12, 25, 12, tzinfo=BRUSSELS)


def take(client, town, kiosk):
    body = {"service_id": town.id_card.id, "location_id": town.hall.id}
    return client.post("/api/v1/tickets", json=body, headers=kiosk.headers)


def test_the_kiosk_refuses_a_ticket_on_a_public_holiday(client, town, kiosk):
    """The town hall is open around the clock, every day of the week: but not on Christmas."""
    kiosk.pair(client)
    with time_machine.travel(CHRISTMAS_NOON, tick=False):
        refused = take(client, town, kiosk)
        page = client.get(f"/counter/kiosk/{town.hall.id}", headers={"Accept-Language": "fr"})
        pressed = client.post(
            f"/counter/kiosk/{town.hall.id}/tickets",
            data={"service_id": town.id_card.id},
            follow_redirects=True,
        )
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "location_closed")
    assert "Noël" in page.get_data(as_text=True)  # the holiday, in the reader's language
    assert pressed.request.path == f"/counter/kiosk/{town.hall.id}"
    assert db.session.query(Ticket).count() == 0


def test_an_exception_opens_the_kiosk_on_a_public_holiday(client, town, kiosk):
    town.hall.exceptions.append(OpeningException(day=CHRISTMAS, opens=time(9), closes=time(13)))
    db.session.commit()
    kiosk.pair(client)
    with time_machine.travel(CHRISTMAS_NOON, tick=False):
        issued = take(client, town, kiosk)
        page = client.get(f"/counter/kiosk/{town.hall.id}", headers={"Accept-Language": "fr"})
    assert issued.status_code == 201
    assert "Noël" not in page.get_data(as_text=True)

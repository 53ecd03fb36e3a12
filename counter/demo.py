"""The counter's part of `flask --app app seed-demo`: a ticket letter per demo service.

Counters, services and hours are the office's set-up, seeded with the booking demo; this only
adds what the kiosk needs on top. Keyed by the services' Dutch names, so it is the same every
run and a second run changes nothing.
"""

from sqlalchemy import select

from counter.models import CounterServiceSetting
from extensions import db
from office.models import Service

LETTERS = {
    "Identiteitskaart aanvragen": "I",
    "Reispas aanvragen": "R",
    "Adreswijziging": "A",
    "Aangifte geboorte": "G",
    "Leefloon en financiële hulp": "L",
    "Kinderopvangtoeslag": "K",
}


def seed_counter_demo() -> None:
    services = db.session.scalars(select(Service).where(Service.name_nl.in_(LETTERS))).all()
    for service in services:
        if db.session.get(CounterServiceSetting, service.id) is None:
            db.session.add(
                CounterServiceSetting(service_id=service.id, letter=LETTERS[service.name_nl])
            )
    db.session.flush()

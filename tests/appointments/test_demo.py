from datetime import timedelta

from sqlalchemy import select

from appointments.demo import seed_booking_demo
from appointments.slots import find_slots, load_visit
from core.database import utcnow
from extensions import db
from office.models import Counter, LifeEvent, Location, Service


def test_demo_seed_is_deterministic_idempotent_and_bookable(app):
    seed_booking_demo()
    seed_booking_demo()
    assert [loc.name for loc in db.session.scalars(select(Location).order_by(Location.id))] == [
        "Stadhuis",
        "Sociaal Huis",
    ]
    assert db.session.scalar(select(db.func.count()).select_from(Counter)) == 5
    moving = db.session.scalar(select(LifeEvent).where(LifeEvent.code == "moving"))
    assert {s.name_nl for s in moving.services} == {"Identiteitskaart aanvragen", "Adreswijziging"}
    service = db.session.scalar(select(Service).where(Service.name_nl == "Adreswijziging"))
    today = utcnow().date()
    slots = find_slots(load_visit([service.id]), today, today + timedelta(days=14))
    assert {s.location_id for s in slots} == {1, 2}


def test_demo_services_say_what_to_bring_in_every_language_and_formally_in_dutch(app):
    seed_booking_demo()
    for service in db.session.scalars(select(Service)):
        lists = {language: service.documents_in(language) for language in ("nl", "fr", "en")}
        assert all(lists.values()) and len({tuple(v) for v in lists.values()}) == 3, service.name_nl
        assert not any(
            line.startswith(("Je ", "Jouw ")) for line in lists["nl"]
        )  # "u", as the pages

"""The phone's part of `flask --app app seed-demo`: three services offered by phone.

Services, locations and hours are the office's set-up, seeded with the booking demo; this adds
the menu's lines on top, keyed by the services' Dutch names, so a second run changes nothing.
The lines keep their service's first location's hours.
"""

from sqlalchemy import select

from extensions import db
from office.models import Service
from phone.models import PhoneLine

# service (Dutch name), key, spoken names (nl, fr, en), Twilio queue name
LINES = [
    (
        "Identiteitskaart aanvragen",
        1,
        (
            "identiteitskaarten en reispassen",
            "cartes d'identité et passeports",
            "identity cards and passports",
        ),
        "identity-documents",
    ),
    (
        "Adreswijziging",
        2,
        ("adreswijzigingen", "changements d'adresse", "changes of address"),
        "address-changes",
    ),
    (
        "Leefloon en financiële hulp",
        3,
        (
            "leefloon en financiële hulp",
            "revenu d'intégration et aide financière",
            "financial help",
        ),
        "financial-help",
    ),
]


def seed_phone_demo() -> None:
    services = {
        s.name_nl: s
        for s in db.session.scalars(
            select(Service).where(Service.name_nl.in_([name for name, *_ in LINES]))
        )
    }
    known = set(db.session.scalars(select(PhoneLine.queue_name)))
    for name, digit, (nl, fr, en), queue_name in LINES:
        if queue_name in known or name not in services:
            continue
        db.session.add(
            PhoneLine(
                service_id=services[name].id,
                digit=digit,
                spoken_nl=nl,
                spoken_fr=fr,
                spoken_en=en,
                max_waiting=50,
                queue_name=queue_name,
            )
        )
    db.session.flush()

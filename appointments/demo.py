"""Deterministic booking demo data: the same places, services, counters and hours every time.

The lead's `flask seed-demo` calls seed_booking_demo(); running it twice changes nothing.
"""

from datetime import time

from sqlalchemy import select

from desk.accounts import get_or_create_department
from extensions import db
from office.models import Counter, LifeEvent, Location, OpeningPeriod, Service

LIFE_EVENTS = [
    ("moving", "Ik verhuis", "Je déménage", "I am moving"),
    ("baby", "Ik krijg een kind", "J'attends un enfant", "I am having a baby"),
    ("travel", "Ik ga op reis", "Je pars en voyage", "I am travelling abroad"),
    (
        "income",
        "Ik heb financiële hulp nodig",
        "J'ai besoin d'aide financière",
        "I need financial help",
    ),
]

DEPARTMENTS = {"burgerzaken": "Burgerzaken", "sociale-zaken": "Sociale Zaken"}

# name_nl, name_fr, name_en, department, minutes, buffer, max people, life events,
# documents (nl, fr, en)
SERVICES = [
    (
        "Identiteitskaart aanvragen",
        "Demander une carte d'identité",
        "Apply for an identity card",
        "burgerzaken",
        15,
        5,
        4,
        ["moving", "travel"],
        (
            "Uw oude identiteitskaart\nEen recente pasfoto",
            "Votre ancienne carte d'identité\nUne photo d'identité récente",
            "Your old identity card\nA recent passport photo",
        ),
    ),
    (
        "Reispas aanvragen",
        "Demander un passeport",
        "Apply for a passport",
        "burgerzaken",
        20,
        5,
        4,
        ["travel"],
        (
            "Uw identiteitskaart\nEen recente pasfoto",
            "Votre carte d'identité\nUne photo d'identité récente",
            "Your identity card\nA recent passport photo",
        ),
    ),
    (
        "Adreswijziging",
        "Changement d'adresse",
        "Change of address",
        "burgerzaken",
        20,
        0,
        1,
        ["moving"],
        (
            "Uw identiteitskaart\nUw huurcontract of akte",
            "Votre carte d'identité\nVotre bail ou acte",
            "Your identity card\nYour rental contract or deed",
        ),
    ),
    (
        "Aangifte geboorte",
        "Déclaration de naissance",
        "Birth registration",
        "burgerzaken",
        30,
        10,
        1,
        ["baby"],
        (
            "Het geboorteattest van het ziekenhuis\nDe identiteitskaarten van de ouders",
            "L'attestation de naissance de l'hôpital\nLes cartes d'identité des parents",
            "The birth certificate from the hospital\nThe parents' identity cards",
        ),
    ),
    (
        "Leefloon en financiële hulp",
        "Revenu d'intégration et aide financière",
        "Living wage and financial help",
        "sociale-zaken",
        45,
        15,
        1,
        ["income"],
        (
            "Uw identiteitskaart\nUw laatste rekeninguittreksels",
            "Votre carte d'identité\nVos derniers extraits de compte",
            "Your identity card\nYour latest bank statements",
        ),
    ),
    (
        "Kinderopvangtoeslag",
        "Allocation de garde d'enfants",
        "Childcare allowance",
        "sociale-zaken",
        30,
        0,
        1,
        ["baby", "income"],
        ("Uw identiteitskaart", "Votre carte d'identité", "Your identity card"),
    ),
]

LOCATIONS = [
    (
        "Stadhuis",
        "Markt 1, 9000 Gent",
        60,
        60,
        20,
        {d: [(time(8, 30), time(12, 0)), (time(13, 0), time(16, 0))] for d in range(5)},
    ),
    (
        "Sociaal Huis",
        "Kerkstraat 12, 9000 Gent",
        120,
        45,
        30,
        {d: [(time(9, 0), time(12, 0)), (time(13, 30), time(16, 30))] for d in range(4)},
    ),
]

# The places' names in French and English (the Dutch ones are in LOCATIONS).
PLACE_NAMES = {
    "Stadhuis": ("Hôtel de ville", "Town hall"),
    "Sociaal Huis": ("Maison sociale", "Social services"),
}

# location, counter, services (by position in SERVICES)
COUNTERS = [
    ("Stadhuis", "Loket 1", [0, 1, 2]),
    ("Stadhuis", "Loket 2", [0, 1, 2]),
    ("Stadhuis", "Loket 3", [2, 3]),
    ("Sociaal Huis", "Bureau A", [4, 5]),
    ("Sociaal Huis", "Bureau B", [4, 5, 2]),
]


def seed_booking_demo() -> None:
    """Create the demo municipality's booking set-up unless it is there already."""
    if db.session.scalar(select(Location).where(Location.name == "Stadhuis")):
        return
    events = {}
    for code, nl, fr, en in LIFE_EVENTS:
        events[code] = LifeEvent(code=code, name_nl=nl, name_fr=fr, name_en=en)
        db.session.add(events[code])
    places = {}
    for name, address, notice, horizon, walk_in, hours in LOCATIONS:
        place = Location(
            name=name,
            name_fr=PLACE_NAMES[name][0],
            name_en=PLACE_NAMES[name][1],
            address=address,
            min_notice_minutes=notice,
            horizon_days=horizon,
            walk_in_percent=walk_in,
        )
        place.opening_periods = [
            OpeningPeriod(weekday=day, opens=opens, closes=closes)
            for day, periods in hours.items()
            for opens, closes in periods
        ]
        places[name] = place
        db.session.add(place)
    services = []
    for nl, fr, en, department, minutes, buffer, people, codes, documents in SERVICES:
        service = Service(
            name_nl=nl,
            name_fr=fr,
            name_en=en,
            department_id=get_or_create_department(department, DEPARTMENTS[department]).id,
            duration_minutes=minutes,
            buffer_minutes=buffer,
            max_people=people,
            documents_nl=documents[0],
            documents_fr=documents[1],
            documents_en=documents[2],
            life_events=[events[c] for c in codes],
        )
        services.append(service)
        db.session.add(service)
    for place_name, counter_name, indexes in COUNTERS:
        counter = Counter(
            name=counter_name,
            name_fr=counter_name.replace("Loket", "Guichet"),
            name_en=counter_name.replace("Loket", "Counter").replace("Bureau", "Office"),
            location=places[place_name],
            services=[services[i] for i in indexes],
        )
        db.session.add(counter)
        for service in counter.services:
            if places[place_name] not in service.locations:
                service.locations.append(places[place_name])
    db.session.flush()

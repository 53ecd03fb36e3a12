"""The chat's part of `flask --app app seed-demo`: a few canned answers in each language.
Keyed by language and title, so a second run changes nothing."""

from sqlalchemy import select

from chat.models import CannedAnswer
from extensions import db

ANSWERS = [
    ("nl", "Openingsuren", "De openingsuren van elk kantoor staan op onze startpagina."),
    ("nl", "Afspraak maken", "U kunt online een afspraak maken via onze startpagina."),
    (
        "fr",
        "Heures d’ouverture",
        "Les heures d’ouverture de chaque bureau sont sur notre page d’accueil.",
    ),
    (
        "fr",
        "Prendre rendez-vous",
        "Vous pouvez prendre rendez-vous en ligne via notre page d’accueil.",
    ),
    ("en", "Opening hours", "The opening hours of every office are on our home page."),
    ("en", "Booking an appointment", "You can book an appointment online from our home page."),
]


def seed_chat_demo() -> None:
    known = set(db.session.execute(select(CannedAnswer.language, CannedAnswer.title)).all())
    for language, title, text in ANSWERS:
        if (language, title) not in known:
            db.session.add(CannedAnswer(language=language, title=title, text=text))

"""Phone fixtures: a town hall whose phone lines are open around the clock, a closed annex,
and a caller who posts Twilio's webhooks signed as Twilio signs them."""

import itertools
import xml.etree.ElementTree as ET
from datetime import datetime, time

import pytest
from twilio.request_validator import RequestValidator

from core.time import BRUSSELS
from extensions import db
from office import holidays
from office.models import Location, OpeningException, OpeningPeriod, Service
from phone.models import PhoneLine
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

PUBLIC_BASE_URL = "https://loket.example.org"
MUNICIPALITY = "+3292100000"
CALLER = "+32470123456"

PHONE_CONFIG = {
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    "MUNICIPALITY_NAME": "Gemeente Loket",
}


@pytest.fixture
def phone_app(make_app):
    app = make_app(**PHONE_CONFIG)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def hooks(make_app, phone_app):
    """A client of a second app on the same database, as Twilio reaches Loket."""
    return make_app(**PHONE_CONFIG).test_client()


def always_open(place: Location) -> None:
    for weekday in range(7):
        place.opening_periods.append(
            OpeningPeriod(weekday=weekday, opens=time(0, 0), closes=time(23, 59, 59))
        )
    today = datetime.now(BRUSSELS).date()
    for day in holidays.days(today.year - 1, today.year + 1):
        if abs((day - today).days) <= 1:  # a public holiday closes it: an exception opens it
            place.exceptions.append(
                OpeningException(day=day, opens=time(0, 0), closes=time(23, 59, 59))
            )


class Lines:
    def __init__(self, department_id=None):
        self.hall = Location(name="Stadhuis")
        always_open(self.hall)
        self.annex = Location(name="Deelgemeente")  # no hours: always closed
        for weekday in range(7):  # ... but it opens at 23:59 each day, so it has a next time
            self.annex.opening_periods.append(
                OpeningPeriod(weekday=weekday, opens=time(23, 59), closes=time(23, 59, 30))
            )
        self.id_card = Service(
            name_nl="Identiteitskaart",
            name_fr="Carte d'identité",
            name_en="Identity card",
            locations=[self.hall],
            department_id=department_id,
        )
        self.permits = Service(
            name_nl="Omgevingsvergunning", name_en="Permits", locations=[self.annex]
        )
        self.id_line = PhoneLine(
            service=self.id_card,
            location=self.hall,
            digit=1,
            spoken_nl="identiteitskaarten",
            spoken_fr="cartes d'identité",
            spoken_en="identity cards",
            max_waiting=3,
            queue_name="identity-cards",
        )
        self.permit_line = PhoneLine(
            service=self.permits, location=self.annex, digit=2, queue_name="permits"
        )


@pytest.fixture
def lines(phone_app):
    from desk import accounts

    department = accounts.get_or_create_department("civil-affairs", "Burgerzaken")
    made = Lines(department.id)
    made.department = department
    db.session.add_all([made.hall, made.annex, made.id_card, made.permits])
    db.session.add_all([made.id_line, made.permit_line])
    db.session.commit()
    return made


_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


class Caller:
    """One phone call reaching Loket: each step is the webhook Twilio would post."""

    def __init__(self, client, number=CALLER, sid=None):
        self.client, self.number, self.sid = client, number, sid or new_sid()

    def post(self, path, token=None, signature=None, **form):
        form = {"CallSid": self.sid, "AccountSid": ACCOUNT_SID, **form}
        headers = {}
        if signature is None:
            signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, form)
        if signature:
            headers["X-Twilio-Signature"] = signature
        if token:
            headers["I-Twilio-Idempotency-Token"] = token
        return self.client.post(path, data=form, headers=headers)

    def twiml(self, path, **form) -> ET.Element:
        response = self.post(path, **form)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        root = ET.fromstring(response.data)  # noqa: S314  (our own answer)
        check_twiml(root, in_queue=path in ("/phone/wait", "/phone/callback"))
        return root

    def incoming(self):
        return self.twiml(
            "/phone/incoming", From=self.number, To=MUNICIPALITY, CallStatus="ringing"
        )

    def press(self, keys, path="/phone/menu", **extra):
        return self.twiml(path, Digits=keys, From=self.number, **extra)

    def wait(self, position=1):
        return self.twiml("/phone/wait", QueuePosition=str(position), QueueTime="10")

    def queue_result(self, result, waited=30, **extra):
        return self.twiml("/phone/queue-result", QueueResult=result, QueueTime=str(waited), **extra)

    def status(self, state="completed", duration=95, **extra):
        return self.post("/phone/status", CallStatus=state, CallDuration=str(duration), **extra)


# --- TwiML as Twilio reads it ------------------------------------------------------------------

# Twilio's voice verbs this channel uses, the attributes each takes, and what it may hold.
VERBS = {
    "Say": ({"voice", "language", "loop"}, set()),
    "Play": ({"loop", "digits"}, set()),
    "Pause": ({"length"}, set()),
    "Gather": (
        {"action", "method", "numDigits", "timeout", "finishOnKey", "input", "language"},
        {"Say", "Play", "Pause"},
    ),
    "Enqueue": ({"action", "method", "waitUrl", "waitUrlMethod", "maxQueueSize"}, set()),
    "Leave": (set(), set()),
    "Hangup": (set(), set()),
    "Redirect": ({"method"}, set()),
    # an agent's outgoing call (phone.outgoing): the citizen's phone, its leg reporting back
    "Dial": ({"callerId", "answerOnBridge"}, {"Number"}),
    "Number": ({"statusCallback", "statusCallbackEvent", "statusCallbackMethod"}, set()),
}
# Inside a queue's wait music Twilio allows only these (TwiML Enqueue, "waitUrl").
WAIT_VERBS = {"Say", "Play", "Pause", "Gather", "Hangup", "Redirect", "Leave"}
URL_ATTRIBUTES = {"action", "waitUrl", "statusCallback"}


def check_twiml(root: ET.Element, in_queue: bool = False) -> None:
    assert root.tag == "Response"
    for verb in root:
        check_verb(verb)
        if in_queue:
            assert verb.tag in WAIT_VERBS, verb.tag


def check_verb(verb: ET.Element) -> None:
    assert verb.tag in VERBS, verb.tag
    attributes, children = VERBS[verb.tag]
    assert set(verb.attrib) <= attributes, (verb.tag, verb.attrib)
    for name, value in verb.attrib.items():
        if name in URL_ATTRIBUTES:
            assert value.startswith(PUBLIC_BASE_URL + "/phone/"), value
        if name in ("method", "waitUrlMethod", "statusCallbackMethod"):
            assert value in ("GET", "POST")
    if verb.tag == "Dial":
        assert verb.get("callerId", "").startswith("+"), verb.attrib  # a number, never a client
    if verb.tag in ("Say", "Enqueue", "Redirect", "Number"):
        assert (verb.text or "").strip(), verb.tag
    if verb.tag == "Redirect":
        assert verb.text.startswith(PUBLIC_BASE_URL + "/phone/")
    for child in verb:
        assert child.tag in children, (verb.tag, child.tag)
        check_verb(child)


def said(root: ET.Element) -> str:
    """Everything the caller hears, in order, as one text."""
    return " ".join(e.text.strip() for e in root.iter("Say"))


def verbs(root: ET.Element) -> list[str]:
    return [e.tag for e in root]


@pytest.fixture
def phone_live_server(make_app):
    """The app served over real HTTP in a thread, configured for Twilio's webhooks."""
    from tests import services

    app = make_app(**PHONE_CONFIG)
    with services.serving(app) as server:
        yield server

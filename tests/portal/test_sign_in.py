"""Signing in to Mijn Loket with a one-time code, end to end: the pages, the real outbox and
sender, the fake Twilio and a real SMTP server (aiosmtpd) on loopback."""

import re
import statistics
import time
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from flask import g
from sqlalchemy import func, select

from core.database import utcnow
from desk import record
from desk.merging import merge_parties
from desk.models import ContactAddress, Interaction, VerifiedHow
from extensions import db
from portal.models import CitizenSession, SignInCode
from portal.session import COOKIE_NAME, citizen_required
from sms.models import OutboxMessage
from sms.sender import Sender
from tests import services
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.portal.helpers import sign_in_as

PHONE, PHONE_E164 = "0470 12 34 56", "+32470123456"
EMAIL = "an.peeters@example.org"


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"to": envelope.rcpt_tos, "body": envelope.content.decode()})
        return "250 Message accepted"


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def mailbox():
    box, port = Mailbox(), services.free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, server_hostname="smtp.test")
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def config(fake_twilio, mailbox):
    return {
        "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+32460000001",
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "EMAIL_GATEWAY": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "SMS_RETRY_BASE_SECONDS": 0,
    }


def whoami():
    return {"party": g.citizen.party_id}


@pytest.fixture
def sending(make_app, config):
    """The test's app context, on an app whose sender reaches the fake Twilio and the SMTP."""
    app = make_app(**config)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def make_client(make_app, config):
    def factory(**overrides):
        app = make_app(**config, **overrides)
        app.add_url_rule("/my/_whoami", "whoami", citizen_required(whoami))
        return app.test_client()

    return factory


@pytest.fixture
def client(make_client):
    return make_client()


def send_outbox():
    db.session.commit()
    Sender(name="test", threads=1).run(once=True)


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def ask_code(client, contact):
    return client.post("/my/sign-in", data={"contact": contact})


def same_page(one: str, other: str) -> bool:
    """Equal but for the CSRF tokens, which differ per session."""
    token = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')
    return token.sub("", one) == token.sub("", other)


def party_with(**keys):
    party = record.find_or_create_party(name="An Peeters", **keys)
    db.session.commit()
    return party


def test_a_code_by_sms_signs_in_and_verifies_the_number(sending, client, fake_twilio):
    party = party_with(phone=PHONE)

    asked = ask_code(client, PHONE)
    assert asked.status_code == 302 and asked.headers["Location"] == "/my/sign-in/code"
    send_outbox()
    [sms] = fake_twilio.received(PHONE_E164)
    assert sms["body"].startswith("Gemeente Loket: uw code voor Mijn Loket")

    answer = client.post("/my/sign-in/code", data={"code": code_in(sms["body"])})

    assert answer.status_code == 302 and answer.headers["Location"] == "/my/"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/my" in cookie
    assert client.get("/my/_whoami").json == {"party": party.id}
    db.session.expire_all()
    [address] = db.session.scalars(select(ContactAddress)).all()
    assert address.verified_how == VerifiedHow.ONE_TIME_CODE and address.verified_at is not None
    row = db.session.scalar(select(SignInCode))
    assert code_in(sms["body"]) not in row.code_hash and row.used_at is not None
    assert db.session.scalar(select(OutboxMessage.reason)) == "portal.reason.asked_to_sign_in"
    # On the timeline by purpose, without a copy of the code.
    [sent] = db.session.scalars(select(Interaction).where(Interaction.party_id == party.id)).all()
    assert sent.subject_code == "sms.sent.sign_in_code" and code_in(sms["body"]) not in sent.summary


def test_a_code_by_e_mail_signs_in(sending, client, mailbox, fake_twilio):
    party = party_with(email=EMAIL)

    ask_code(client, "An.Peeters@Example.org")
    send_outbox()

    [mail] = mailbox.messages
    assert mail["to"] == [EMAIL] and not fake_twilio.received()
    answer = client.post("/my/sign-in/code", data={"code": code_in(mail["body"])})
    assert answer.headers["Location"] == "/my/"
    assert client.get("/my/_whoami").json == {"party": party.id}


def test_an_unknown_address_gets_the_same_answer_and_no_message(sending, make_client, fake_twilio):
    party_with(phone=PHONE)
    known, unknown = make_client(), make_client()

    asked = [ask_code(known, PHONE), ask_code(unknown, "0470 99 88 77")]
    assert [a.status_code for a in asked] == [302, 302]
    assert asked[0].headers["Location"] == asked[1].headers["Location"]
    pages = [c.get("/my/sign-in/code").get_data(as_text=True) for c in (known, unknown)]
    assert same_page(pages[0].replace(PHONE, "X"), pages[1].replace("0470 99 88 77", "X"))
    send_outbox()
    assert [m["to"] for m in fake_twilio.received()] == [PHONE_E164]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(SignInCode)) == 2
    # Whatever the unknown address types, it opens nothing.
    answer = unknown.post("/my/sign-in/code", data={"code": "123456"})
    assert answer.status_code == 422 and COOKIE_NAME not in answer.headers.get("Set-Cookie", "")


def test_asking_takes_as_long_for_an_unknown_address(sending, make_client):
    party_with(phone=PHONE)
    client = make_client()

    def timed(contact):
        started = time.perf_counter()
        ask_code(client, contact)
        return time.perf_counter() - started

    for contact in (PHONE, "0470 99 88 77"):  # warm both paths
        timed(contact)
    known = statistics.median(timed(PHONE) for _ in range(7))
    unknown = statistics.median(timed("0470 99 88 77") for _ in range(7))
    assert abs(known - unknown) < max(0.05, known)


def test_an_address_two_people_share_unverified_opens_neither(sending, client, fake_twilio):
    party_with(phone=PHONE)
    record.find_or_create_party(name="Jan Peeters", phone=PHONE)
    db.session.commit()

    assert ask_code(client, PHONE).status_code == 302
    send_outbox()
    assert not fake_twilio.received()


def test_a_merged_party_signs_in_as_its_survivor(make_staff, sending, client, fake_twilio):
    # make_staff first: its app's context must lie under the sending app's
    absorbed = party_with(phone=PHONE)
    survivor = party_with(email=EMAIL)
    merge_parties(survivor=survivor, absorbed=absorbed, staff=make_staff(role="admin"))
    db.session.commit()

    ask_code(client, PHONE)
    send_outbox()
    [sms] = fake_twilio.received()
    client.post("/my/sign-in/code", data={"code": code_in(sms["body"])})
    assert client.get("/my/_whoami").json == {"party": survivor.id}


def test_a_number_both_merged_parties_held_signs_in_to_the_survivor(
    make_staff, sending, client, fake_twilio
):
    absorbed = party_with(phone=PHONE)  # the older row of the number stays with it
    survivor = record.find_or_create_party(name="An Peeters-Claes", phone=PHONE)
    db.session.commit()
    merge_parties(survivor=survivor, absorbed=absorbed, staff=make_staff(role="admin"))
    db.session.commit()

    ask_code(client, PHONE)
    send_outbox()
    [sms] = fake_twilio.received()
    answer = client.post("/my/sign-in/code", data={"code": code_in(sms["body"])})
    assert answer.status_code == 302
    assert client.get("/my/_whoami").json == {"party": survivor.id}


def test_a_secret_party_signs_in_to_its_own_file(sending, client, fake_twilio):
    party = party_with(phone=PHONE)
    party.secret = True
    db.session.commit()

    ask_code(client, PHONE)
    send_outbox()
    [sms] = fake_twilio.received()
    client.post("/my/sign-in/code", data={"code": code_in(sms["body"])})
    assert client.get("/my/_whoami").json == {"party": party.id}


def test_five_wrong_tries_spend_the_code(sending, client, fake_twilio):
    party_with(phone=PHONE)
    ask_code(client, PHONE)
    send_outbox()
    right = code_in(fake_twilio.received()[0]["body"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    answers = [client.post("/my/sign-in/code", data={"code": wrong}) for _ in range(5)]

    assert [a.status_code for a in answers] == [422, 422, 422, 422, 410]
    assert "Vraag een nieuwe code" in answers[-1].get_data(as_text=True)
    last = client.post("/my/sign-in/code", data={"code": right})
    assert last.status_code == 410 and client.get("/my/_whoami").status_code == 302


def test_a_code_expires_after_ten_minutes(sending, client, fake_twilio):
    party_with(phone=PHONE)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        ask_code(client, PHONE)
        send_outbox()
        code = code_in(fake_twilio.received()[0]["body"])
        traveller.shift(timedelta(minutes=10, seconds=1))
        answer = client.post("/my/sign-in/code", data={"code": code})
    assert answer.status_code == 410


def test_the_code_is_compared_in_constant_time(sending, client, fake_twilio, monkeypatch):
    import portal.codes

    compared = []
    real = portal.codes.hmac.compare_digest
    monkeypatch.setattr(
        portal.codes.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b)
    )
    party_with(phone=PHONE)
    ask_code(client, PHONE)
    client.post("/my/sign-in/code", data={"code": "000000"})
    [ours] = [pair for pair in compared if all(isinstance(side, str) for side in pair)]
    assert all(len(side) == 64 for side in ours)  # two keyed hashes, never the digits


def test_asking_is_limited_per_address_and_per_client(sending, make_client):
    party_with(phone=PHONE)
    limited = make_client(
        RATELIMIT_ENABLED=True,
        MY_SIGN_IN_ADDRESS_RATE_LIMIT="3 per 15 minutes",
        MY_SIGN_IN_RATE_LIMIT="100 per 15 minutes",
    )
    spellings = [PHONE, PHONE_E164, "+32 470 12 34 56", "0470/12.34.56"]
    answers = [ask_code(limited, spelling).status_code for spelling in spellings]
    assert answers == [302, 302, 302, 429]
    limited = make_client(RATELIMIT_ENABLED=True, MY_SIGN_IN_RATE_LIMIT="5 per 15 minutes")
    answers = [ask_code(limited, f"0470 00 00 0{i}").status_code for i in range(6)]
    assert answers == [302] * 5 + [429]  # five addresses, once each: the client's limit


def test_typing_codes_is_limited_per_client(sending, make_client):
    limited = make_client(RATELIMIT_ENABLED=True, MY_CODE_RATE_LIMIT="3 per 15 minutes")
    ask_code(limited, PHONE)
    answers = [limited.post("/my/sign-in/code", data={"code": "111111"}) for _ in range(4)]
    assert [a.status_code for a in answers][-1] == 429


def test_a_session_ends_after_fifteen_idle_minutes(sending, client):
    party = party_with(phone=PHONE)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in_as(client, party.id)
        traveller.shift(timedelta(minutes=14))
        assert client.get("/my/_whoami").status_code == 200  # and that counts as use
        traveller.shift(timedelta(minutes=14))
        assert client.get("/my/_whoami").status_code == 200
        traveller.shift(timedelta(minutes=15, seconds=1))
        answer = client.get("/my/_whoami")
        told = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/my/sign-in")
    assert f"{COOKIE_NAME}=;" in answer.headers["Set-Cookie"]
    assert "U bent afgemeld bij Mijn Loket. Meld u opnieuw aan." in told
    db.session.expire_all()
    assert db.session.scalar(select(CitizenSession)).ended_at is not None


def test_the_idle_limit_is_configurable(sending, make_client):
    party = party_with(phone=PHONE)
    client = make_client(MY_IDLE_MINUTES=2)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in_as(client, party.id)
        traveller.shift(timedelta(minutes=3))
        assert client.get("/my/_whoami").status_code == 302


def test_staff_and_citizen_sessions_open_only_their_own_pages(
    sending, make_client, make_staff, login
):
    party = party_with(phone=PHONE)
    staff_client, citizen_client = make_client(), make_client()
    login(make_staff(role="admin"), staff_client)
    sign_in_as(citizen_client, party.id)

    assert staff_client.get("/my/_whoami").status_code == 302
    assert citizen_client.get("/my/_whoami").json == {"party": party.id}
    answer = citizen_client.get("/desk/")
    assert answer.status_code in (302, 401) and "/login" in answer.headers.get("Location", "")


def test_forms_need_their_csrf_token(sending, make_client):
    party = party_with(phone=PHONE)
    client = make_client(WTF_CSRF_ENABLED=True)
    assert ask_code(client, PHONE).status_code == 400
    sign_in_as(client, party.id)
    assert client.post("/my/sign-out").status_code == 400
    assert client.get("/my/_whoami").status_code == 200


def test_signing_out_ends_the_session_for_good(sending, client):
    party = party_with(phone=PHONE)
    cookie = sign_in_as(client, party.id)

    answer = client.post("/my/sign-out")

    assert answer.status_code == 302 and f"{COOKIE_NAME}=;" in answer.headers["Set-Cookie"]
    assert client.get("/my/_whoami").status_code == 302
    client.set_cookie(COOKIE_NAME, cookie, path="/my")  # a copy kept of the old cookie
    assert client.get("/my/_whoami").status_code == 302


def test_a_forged_cookie_opens_nothing(sending, client):
    client.set_cookie(COOKIE_NAME, "eyJmb3JnZWQiOnRydWV9.forged", path="/my")
    assert client.get("/my/_whoami").status_code == 302


def test_bad_input_is_answered_in_the_form(sending, client):
    answer = ask_code(client, "not an address")
    assert answer.status_code == 422
    assert "Vul een gsm-nummer in" in answer.get_data(as_text=True)
    ask_code(client, PHONE)
    answer = client.post("/my/sign-in/code", data={"code": "12ab"})
    assert answer.status_code == 422 and "6 cijfers" in answer.get_data(as_text=True)


def test_next_stays_inside_mijn_loket(sending, client, fake_twilio):
    party_with(phone=PHONE)
    client.get("/my/sign-in?next=https://evil.example/")
    ask_code(client, PHONE)
    send_outbox()
    answer = client.post(
        "/my/sign-in/code", data={"code": code_in(fake_twilio.received()[0]["body"])}
    )
    assert answer.headers["Location"] == "/my/"


def test_over_tls_the_cookie_is_secure(sending, client, fake_twilio):
    party_with(phone=PHONE)
    https = {"base_url": "https://loket.example.org"}
    client.post("/my/sign-in", data={"contact": PHONE}, **https)
    send_outbox()
    code = code_in(fake_twilio.received()[0]["body"])
    answer = client.post("/my/sign-in/code", data={"code": code}, **https)
    assert answer.status_code == 302 and "; Secure" in answer.headers["Set-Cookie"]


def test_a_signed_in_citizen_asking_the_sign_in_page_goes_to_mijn_loket(sending, client):
    sign_in_as(client, party_with(phone=PHONE).id)
    answer = client.get("/my/sign-in")
    assert answer.status_code == 302 and answer.headers["Location"] == "/my/"

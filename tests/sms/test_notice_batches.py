"""Many notices at once (a hundred new bookings recorded in one transaction): the same rows as
one call per notice, in a number of statements that does not grow with the batch."""

from datetime import timedelta

from sqlalchemy import func, select

from appointments.models import Appointment
from appointments.signals import appointments_changed
from extensions import db
from sms import consent
from sms.models import MessageStatus, OutboxMessage
from sms.notices import Addressee, send_notice, send_notices
from sms.texts import Text
from tests.appointments.conftest import local
from tests.sms.test_booking_notices import TUESDAY
from tests.statements import statements_during

# What each row says, without what differs between two runs (ids, clocks).
COMPARED = (
    "idempotency_key",
    "channel",
    "recipient",
    "subject",
    "body",
    "purpose",
    "language",
    "party_id",
    "link_type",
    "link_id",
    "accepts_replies",
    "status",
    "reason",
    "expires_at",
    "segments",
    "cost",
)


def notice(key: str, phone: str | None = "+32470123456", purpose="confirmation", **fields):
    addressee = Addressee(
        party_id=fields.pop("party_id", None),
        language="nl",
        preferred_channel=fields.pop("preferred_channel", "sms"),
        phone=phone,
        consents=fields.pop("consents", {}),
    )
    body = fields.pop("body", f"Gemeente Loket: afspraak bevestigd ({key})")
    return dict(
        key=key,
        addressee=addressee,
        purpose=purpose,
        text_for=lambda channel: Text("Gemeente Loket", body, channel == "sms"),
        **fields,
    )


def kinds(statements: list[str]) -> list[str]:
    return [s.split()[0] for s in statements if s not in ("BEGIN", "COMMIT")]


def described(rows: list[OutboxMessage]) -> list[tuple]:
    return [tuple(getattr(row, name) for name in COMPARED) for row in rows]


def count_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_thirty_notices_cost_the_statements_of_one(app, backend):
    sizes = (1, 30)
    new, again = {}, {}
    for size in sizes:
        batch = [notice(f"booked:{size}:{n}", phone=f"+3247{size:02d}{n:05d}") for n in range(size)]
        rows, new[size] = statements_during(lambda b=batch: send_notices(b))
        assert len(rows) == size and all(r.status == MessageStatus.QUEUED for r in rows)
        db.session.commit()
        repeated, again[size] = statements_during(lambda b=batch: send_notices(b))
        assert [r.id for r in repeated] == [r.id for r in rows]
        db.session.commit()
    print(f"\n{backend}: " + ", ".join(f"{n} notices: {len(new[n])} new, {len(again[n])} again"
                                       for n in sizes))  # fmt: skip
    # The opt-outs of every address, the outbox INSERT; again: and the rows queued before.
    assert kinds(new[1]) == kinds(new[30]) == ["SELECT", "INSERT"]
    assert kinds(again[1]) == kinds(again[30]) == ["SELECT", "INSERT", "SELECT"]
    assert count_rows() == 31


def mixed_batch(earlier_key: str) -> list[dict]:
    return [
        notice("booked:1:0", phone="+32470000001"),  # opted out by STOP
        notice("booked:2:0", consents={"sms": {"consent_reminders": False}}),
        notice(earlier_key, body="Gemeente Loket: anders"),  # queued before, another body
        notice("booked:4:0", phone="12"),  # not a number: refused
        notice("booked:5:0", phone=None),  # no number for the preferred SMS
        notice("consent:1", phone="+32470000001", purpose="consent"),  # exempt from STOP
        notice("booked:7:0", phone="+32470000007", party_id=7),
        notice("booked:7:0", phone="+32470000008"),  # the same key again in the batch
    ]


def test_a_mixed_batch_gives_the_rows_of_one_call_each(app):
    consent.set_opted_out("+32470000001", True, keyword="stop")
    earlier = send_notice(**notice("booked:3:0"))
    db.session.commit()
    earlier_id, earlier_body = earlier.id, earlier.body

    batch = send_notices(mixed_batch("booked:3:0"))
    together = described(batch)
    db.session.commit()
    assert count_rows() == 7  # the earlier row and six new: nothing twice
    opted, refused_consent, existing, refused, no_number, exempt, first, repeat = batch
    today = consent.consent_of("+32470000001").changed_at.strftime("%Y-%m-%d")
    assert opted.status == MessageStatus.SKIPPED and opted.reason == f"opted out (STOP {today})"
    assert refused_consent.status == MessageStatus.SKIPPED
    assert refused_consent.reason == "no consent for confirmation messages by SMS"
    assert (existing.id, existing.body) == (earlier_id, earlier_body)
    assert refused.status == MessageStatus.REFUSED and "not a valid phone number" in refused.reason
    assert no_number.status == MessageStatus.SKIPPED and "no mobile number" in no_number.reason
    assert exempt.status == MessageStatus.QUEUED and exempt.recipient == "+32470000001"
    assert repeat is first and first.recipient == "+32470000007" and first.party_id == 7

    db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.id != earlier_id))
    db.session.commit()
    db.session.expunge_all()
    one_by_one = described([send_notice(**n) for n in mixed_batch("booked:3:0")])
    db.session.commit()
    assert one_by_one == together
    assert count_rows() == 7


def test_the_plural_signal_queues_each_confirmation_in_statements_not_per_appointment(
    office, twilio_app
):
    from desk.models import ContactAddress, NotificationChannel, Party

    def booked(n: int) -> Appointment:
        party = Party(
            name=f"Burger {n}",
            preferred_channel=NotificationChannel.SMS,
            addresses=[ContactAddress(kind="phone", value=f"+324710{n:05d}", is_default=True)],
        )
        db.session.add(party)
        db.session.flush()
        parties.append(party)  # held, as the recorder holds what it made: the session does not
        start = local(TUESDAY, 9) + timedelta(minutes=20 * n)
        return Appointment(
            reference=f"REF{n:05d}",
            location=office.town_hall,
            counter=office.desk_1,
            services=[office.id_card],
            starts_at=start,
            ends_at=start + timedelta(minutes=15),
            blocked_until=start + timedelta(minutes=20),
            name=party.name,
            phone=f"+324710{n:05d}",
            party_id=party.id,
            manage_nonce=f"nonce{n}",
            manage_token_expires_at=start,
        )

    parties = []
    assert office.town_hall.name and office.id_card.name_nl and office.desk_1.name  # loaded
    sent = {}
    for numbers in ([0], list(range(1, 21))):
        appointments = [booked(n) for n in numbers]
        db.session.add_all(appointments)
        db.session.flush()
        _, sent[len(numbers)] = statements_during(
            lambda a=appointments: appointments_changed.send(
                twilio_app, appointments=a, event="booked"
            )
        )
    assert kinds(sent[1]) == kinds(sent[20]) == ["SELECT", "INSERT"]
    db.session.commit()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(rows) == 21
    appointment_ids = db.session.scalars(select(Appointment.id).order_by(Appointment.id)).all()
    assert [r.idempotency_key for r in rows] == [f"booked:{i}:0" for i in appointment_ids]
    assert all(r.status == MessageStatus.QUEUED and r.party_id for r in rows)
    assert rows[0].body.splitlines()[0] == "Gemeente Loket: afspraak bevestigd"

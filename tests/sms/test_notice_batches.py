"""Many notices at once (a pass of reminders): the same rows as one call per notice, in a number
of statements that does not grow with the batch."""

from sqlalchemy import func, select

from extensions import db
from sms import consent, reasons
from sms.models import MessageStatus, OutboxMessage
from sms.notices import Addressee, send_notice, send_notices
from sms.texts import Text
from tests.statements import statements_during
from tests.words import english_reason

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
    "reason_params",
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
        notice(
            "reminder:2:0:24h", purpose="reminder", consents={"sms": {"consent_reminders": False}}
        ),
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
    assert opted.status == MessageStatus.SKIPPED and opted.reason == reasons.OPTED_OUT
    assert english_reason(opted).startswith("the number opted out with STOP on ")
    assert refused_consent.status == MessageStatus.SKIPPED
    assert english_reason(refused_consent) == "no consent for this purpose (Reminder) by SMS"
    assert (existing.id, existing.body) == (earlier_id, earlier_body)
    assert refused.status == MessageStatus.REFUSED and english_reason(refused).startswith(
        "not a valid phone number"
    )
    assert no_number.status == MessageStatus.SKIPPED and no_number.reason == reasons.NO_MOBILE
    assert exempt.status == MessageStatus.QUEUED and exempt.recipient == "+32470000001"
    assert repeat is first and first.recipient == "+32470000007" and first.party_id == 7

    db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.id != earlier_id))
    db.session.commit()
    db.session.expunge_all()
    one_by_one = described([send_notice(**n) for n in mixed_batch("booked:3:0")])
    db.session.commit()
    assert one_by_one == together
    assert count_rows() == 7

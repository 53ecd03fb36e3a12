"""Whether an address may be sent a message for a purpose, and the citizen's STOP / START.

The opt-out is the number's own (whoever holds the phone said STOP), so it is stored per
address and honoured for every purpose except those the law requires or the citizen asked
for just now (the answer to their own message). The case record's per-purpose consent on a
ContactAddress is the party's wish, edited at the desk; both must allow a message.
"""

from sqlalchemy import bindparam, select

from core.database import utcnow
from extensions import db
from sms import case_record
from sms.models import Consent

# Purposes that go out even after STOP: the confirmation of the STOP itself.
EXEMPT_PURPOSES = {"consent", "legal"}

STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "uitschrijven", "arrêt"}
START_WORDS = {"start", "unstop"}
# Twilio answers these itself on a standard number (Advanced Opt-Out); we do not answer twice.
TWILIO_HANDLED_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "start"}


# Asked for every notice or batch of notices: on the connection, past the ORM (set_opted_out
# flushes its row), and built once. The keyword and date say why, on the skipped notice.
OPTED_OUT = select(Consent.address, Consent.keyword, Consent.changed_at).where(
    Consent.opted_out, Consent.address.in_(bindparam("addresses", expanding=True))
)


def opted_out_among(addresses) -> dict:
    """{address: its opt-out (address, keyword, changed_at)} of those `addresses` that said
    STOP, in one query however many there are; none for no addresses."""
    addresses = sorted(set(addresses))
    if not addresses:
        return {}
    rows = db.session.connection().execute(OPTED_OUT, {"addresses": addresses})
    return {row.address: row for row in rows}


def opted_out(address: str) -> bool:
    return address in opted_out_among([address])


def may_send(address: str, purpose: str) -> bool:
    return purpose in EXEMPT_PURPOSES or not opted_out(address)


def set_opted_out(address: str, value: bool, keyword: str = "") -> Consent:
    """Record STOP (True) or START (False) for an address. Does not commit."""
    row = db.session.scalar(select(Consent).where(Consent.address == address))
    if row is None:
        row = Consent(address=address)
        db.session.add(row)
    row.opted_out = value
    row.keyword = keyword[:30]
    row.changed_at = utcnow()
    db.session.flush()
    case_record.mirror_consent(address, not value)
    return row


def consent_of(address: str) -> Consent | None:
    return db.session.scalar(select(Consent).where(Consent.address == address))

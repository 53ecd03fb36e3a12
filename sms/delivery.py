"""Twilio's delivery status callbacks: they arrive late, twice, and out of order.

An update is one conditional UPDATE that only moves a status to a higher rank, so a repeated
"sent" after "delivered" changes nothing, and two callbacks racing each other cannot move a
row backwards. A callback may even beat the sender's own record of the SID; the callback URL
carries the outbox id for that case.
"""

import logging

from sqlalchemy import select, update

from core import bounds
from core.database import utcnow
from extensions import db
from sms import reasons
from sms.models import RANK, MessageStatus, OutboxMessage

log = logging.getLogger(__name__)
M = OutboxMessage

TWILIO_STATUS = {
    "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}


def lower_than(status: MessageStatus) -> list[str]:
    return [s.value for s, rank in RANK.items() if rank < RANK[status]]


def apply_status(sid: str, twilio_status: str, error_code: str | None, outbox_id=None) -> str:
    """Returns "updated", "ignored" (a repeat or older news) or "unknown". In the caller's
    unit of work (the webhook's request)."""
    status = TWILIO_STATUS.get((twilio_status or "").lower())
    if status is None or not sid:
        log.warning("status callback with unknown status %r for %r", twilio_status, sid)
        return "ignored"
    values = {"status": status, "updated_at": utcnow()}
    if status in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
        code = str(error_code or "")
        values["error_code"] = code or None
        values["reason"], values["reason_params"] = reasons.not_delivered(code)
    result = db.session.execute(
        update(M)
        .where(M.provider_sid == sid, M.status.in_(lower_than(status)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0 and bounds.as_id(outbox_id) is not None:
        # The callback beat the sender's own write of the SID.
        result = db.session.execute(
            update(M)
            .where(
                M.id == int(outbox_id), M.provider_sid.is_(None), M.status.in_(lower_than(status))
            )
            .values(provider_sid=sid, **values)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount:
        if str(error_code or "") == "21610":
            from sms import consent

            recipient = db.session.scalar(select(M.recipient).where(M.provider_sid == sid))
            consent.set_opted_out(recipient, True, keyword="21610")
        return "updated"
    known = db.session.scalar(select(M.id).where(M.provider_sid == sid))
    if known is None:
        log.warning("status callback for unknown message SID %s (%s)", sid, twilio_status)
        return "unknown"
    return "ignored"

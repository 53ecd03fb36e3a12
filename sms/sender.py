"""The sender: takes due rows from the outbox, hands them to a gateway, records what happened.

Claiming is atomic, so two senders never take the same row: PostgreSQL selects with
`FOR UPDATE SKIP LOCKED` and marks the rows in that transaction; SQLite does the same inside
`BEGIN IMMEDIATE`, which holds the one write lock. A claimed row is "sending" with a lease.

A sender that dies (kill -9) leaves rows "sending": the provider may or may not have them. Such
rows are *in doubt*; whoever recovers them first asks the gateway (`find_sent`) and only sends
what the provider does not have. A restarted sender recovers its own rows at once (same
`name`); other senders wait for the lease to run out. That is how a kill in the middle of a
batch ends with every message delivered exactly once.
"""

import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Boolean, Integer, Numeric, and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import OperationalError

from core.database import utcnow
from core.unit_of_work import unit_of_work
from desk.errors import RecordError
from extensions import db
from sms import case_record, consent, reasons
from sms.gateways import (
    LookupUnavailable,
    LookupUnsupported,
    Outgoing,
    SendResult,
    gateway_for,
)
from sms.models import MessageStatus, OutboxMessage
from sms.segments import cost_of

log = logging.getLogger(__name__)
M = OutboxMessage
T = OutboxMessage.__table__


@dataclass
class Claimed:
    message: Outgoing
    expires_at: datetime | None
    attempts: int
    in_doubt_since: datetime | None  # the provider may have it since then: ask first


class Sender:
    def __init__(self, *, name: str, batch_size: int = 100, threads: int = 8, lease=None):
        config = current_app.config
        self.app = current_app._get_current_object()
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self.lease = timedelta(seconds=lease or config["SMS_SENDER_LEASE_SECONDS"])
        self.gateways = {}
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sms-send")
        self.recovered_own = False
        # What a dead predecessor had on the wire may still land at the provider: ask it about
        # our own in-doubt rows only after that could have happened (one gateway timeout).
        grace = float(config["SMS_GATEWAY_TIMEOUT"]) + 1
        self.recover_own_after = utcnow() + timedelta(seconds=grace)

    def gateway(self, channel: str):
        if channel not in self.gateways:
            self.gateways[channel] = gateway_for(channel, current_app.config)
        return self.gateways[channel]

    # --- the loop -------------------------------------------------------------------------

    def run(self, *, once: bool = False, idle_seconds: float = 1.0, should_stop=None) -> int:
        """Send until told to stop; with `once`, until nothing is due. Returns rows handled."""
        handled = 0
        try:
            while not (should_stop and should_stop()):
                try:
                    count = self.step()
                except OperationalError as error:  # "database is locked", a lost connection
                    db.session.rollback()
                    log.warning("sender %s: database busy, trying again: %s", self.name, error)
                    time.sleep(random.uniform(0.05, 0.3))
                    continue
                handled += count
                if count == 0 and not self.recovered_own and self._has_own_in_doubt():
                    time.sleep(0.2)  # nothing else to do: wait out the grace, then recover
                    continue
                if count == 0:
                    if once:
                        break
                    time.sleep(idle_seconds)
        finally:
            self.pool.shutdown(wait=True)
        return handled

    def step(self) -> int:
        """One batch: in-doubt rows first (once their grace is over), then due ones."""
        batch = self.claim_in_doubt() or self.claim_due()
        if batch:
            self.dispatch(batch)
        return len(batch)

    # --- claiming ---------------------------------------------------------------------------

    def _claim(self, condition, limit: int, in_doubt: bool) -> list[Claimed]:
        now = utcnow()
        with unit_of_work():
            rows = self._claim_rows(condition, limit, in_doubt, now)
        if not rows:
            return []
        callback = status_callback_url(current_app.config)
        return [
            Claimed(
                message=Outgoing(
                    id=row.id,
                    channel=row.channel,
                    recipient=row.recipient,
                    body=row.body,
                    subject=row.subject,
                    html=row.html_body or "",
                    attachments=tuple(row.attachments or ()),
                    status_callback=f"{callback}?id={row.id}" if callback else None,
                ),
                expires_at=row.expires_at,
                attempts=row.attempts + (0 if in_doubt else 1),
                in_doubt_since=row.in_doubt_since or (row.claimed_at if in_doubt else None),
            )
            for row in rows
        ]

    def _claim_rows(self, condition, limit: int, in_doubt: bool, now) -> list:
        """The due rows, marked as this sender's (in the caller's unit of work)."""
        query = (
            select(
                M.id,
                M.channel,
                M.recipient,
                M.subject,
                M.body,
                M.html_body,
                M.attachments,
                M.expires_at,
                M.attempts,
                M.claimed_at,
                M.in_doubt_since,
            )  # fmt: skip
            .where(condition)
            .order_by(M.next_attempt_at, M.id)
            .limit(limit)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = db.session.execute(query).all()
        if not rows:
            return rows
        db.session.execute(
            update(M)
            .where(M.id.in_([row.id for row in rows]))
            .values(
                status=MessageStatus.SENDING,
                claimed_by=self.name,
                claimed_at=now,
                lease_until=now + self.lease,
                attempts=M.attempts + (0 if in_doubt else 1),
                in_doubt_since=func.coalesce(M.in_doubt_since, M.claimed_at)
                if in_doubt
                else M.in_doubt_since,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return rows

    def claim_due(self) -> list[Claimed]:
        condition = and_(M.status == MessageStatus.QUEUED, M.next_attempt_at <= utcnow())
        return self._claim(condition, self.batch_size, in_doubt=False)

    def _has_own_in_doubt(self) -> bool:
        found = db.session.scalar(
            select(M.id).where(M.status == MessageStatus.SENDING, M.claimed_by == self.name)
        )
        db.session.rollback()
        if found is None:
            self.recovered_own = True
        return found is not None

    def claim_in_doubt(self) -> list[Claimed]:
        """Rows a dead sender left "sending": ours after a restart, anyone's past the lease.

        Our own rows count as recovered only when a claim that asked for them found none. The
        clock is read once: read again after the claim, the grace could end while the claim
        ran, and a sender that never asked for its rows would leave them "sending" for good.
        """
        now = utcnow()
        stale = M.lease_until < now
        asks_for_own = not self.recovered_own and now >= self.recover_own_after
        if asks_for_own:
            stale = or_(stale, M.claimed_by == self.name)
        batch = self._claim(and_(M.status == MessageStatus.SENDING, stale), self.batch_size, True)
        if not batch and asks_for_own:
            self.recovered_own = True
        return batch

    # --- sending ----------------------------------------------------------------------------

    def dispatch(self, batch: list[Claimed]) -> None:
        now = utcnow()
        outcomes: list[tuple[Claimed, SendResult]] = []
        to_send: list[Claimed] = []
        for claimed in batch:
            if claimed.in_doubt_since is not None:
                try:
                    sid = self.gateway(claimed.message.channel).find_sent(
                        claimed.message, claimed.in_doubt_since
                    )
                except LookupUnsupported:
                    sid = None
                except LookupUnavailable as error:
                    outcomes.append((claimed, SendResult("retry", error=str(error), in_doubt=True)))
                    continue
                if sid is not None:
                    outcomes.append((claimed, SendResult("sent", sid=sid)))
                    continue
            if claimed.expires_at is not None and claimed.expires_at <= now:
                outcomes.append((claimed, SendResult("expired")))
                continue
            to_send.append(claimed)
        futures = [
            (claimed, self.pool.submit(self.gateway(claimed.message.channel).send, claimed.message))
            for claimed in to_send
        ]
        for claimed, future in futures:
            try:
                outcomes.append((claimed, future.result()))
            except Exception as error:  # a gateway bug must not lose the batch
                log.exception("gateway failed on outbox message %s", claimed.message.id)
                outcomes.append((claimed, SendResult("retry", error=repr(error)[:500])))
        self.record(outcomes)

    # --- recording --------------------------------------------------------------------------

    def backoff(self, attempts: int) -> timedelta:
        config = current_app.config
        seconds = min(
            config["SMS_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0),
            config["SMS_RETRY_MAX_SECONDS"],
        )
        return timedelta(seconds=seconds * random.uniform(0.8, 1.2))

    def record(self, outcomes: list[tuple[Claimed, SendResult]]) -> None:
        """All results of a batch in one transaction; statuses only move forward."""
        now = utcnow()
        config = current_app.config
        price = config["SMS_COST_PER_SEGMENT"]
        sent, retry, final = [], [], []
        opted_out = []
        for claimed, result in outcomes:
            message = claimed.message
            if result.outcome == "sent":
                values = {"b_id": message.id, "sid": result.sid, "segments": None, "cost": None}
                if result.segments and message.channel == "sms":
                    values["segments"] = result.segments
                    values["cost"] = cost_of(result.segments, price)
                sent.append(values)
            elif result.outcome == "retry" and claimed.attempts < config["SMS_MAX_ATTEMPTS"]:
                retry.append(
                    {
                        "b_id": message.id,
                        "next_at": now + self.backoff(claimed.attempts),
                        "code": result.error_code,
                        "error": result.error,
                        "doubt": result.in_doubt,
                    }
                )
            else:
                status, (reason, reason_params) = self._final_status(claimed, result)
                final.append(
                    {
                        "b_id": message.id,
                        "status": status,
                        "reason": reason,
                        "reason_params": reason_params,
                        "code": result.error_code,
                        "error": result.error,
                    }
                )
                if result.error_code == "21610":
                    opted_out.append(message.recipient)

        def write() -> None:
            self._write_results(sent, retry, final, now)
            for channel in {claimed.message.channel for claimed, _ in outcomes}:
                pairs = [(c.message, r) for c, r in outcomes if c.message.channel == channel]
                self.gateway(channel).after_send(pairs)
            for address in opted_out:
                consent.set_opted_out(address, True, keyword="21610")

        finished = [values["b_id"] for values in sent] + [values["b_id"] for values in final]
        commit_with_interactions(finished, write)

    def _write_results(self, sent, retry, final, now) -> None:
        """One executemany per kind of result; statuses only move forward."""
        if sent:
            db.session.execute(
                update(T)
                .where(T.c.id == bindparam("b_id"))
                .values(
                    status=_keep_later_status(MessageStatus.SENT),
                    provider_sid=bindparam("sid"),
                    sent_at=now,
                    segments=_coalesce(bindparam("segments", type_=Integer), T.c.segments),
                    cost=_coalesce(bindparam("cost", type_=Numeric(10, 4)), T.c.cost),
                    lease_until=None,
                    last_error=None,
                    in_doubt_since=None,
                    updated_at=now,
                ),
                sent,
            )
        if retry:
            db.session.execute(
                update(T)
                .where(
                    T.c.id == bindparam("b_id"),
                    T.c.status == MessageStatus.SENDING.value,
                )
                .values(
                    status=MessageStatus.QUEUED.value,
                    next_attempt_at=bindparam("next_at"),
                    error_code=bindparam("code"),
                    last_error=bindparam("error"),
                    in_doubt_since=case(
                        (
                            bindparam("doubt", type_=Boolean),
                            func.coalesce(T.c.in_doubt_since, T.c.claimed_at),
                        ),
                        else_=None,
                    ),
                    lease_until=None,
                    updated_at=now,
                ),
                retry,
            )
        if final:
            db.session.execute(
                update(T)
                .where(
                    T.c.id == bindparam("b_id"),
                    T.c.status == MessageStatus.SENDING.value,
                )
                .values(
                    status=bindparam("status"),
                    reason=bindparam("reason"),
                    reason_params=bindparam("reason_params"),
                    error_code=bindparam("code"),
                    last_error=bindparam("error"),
                    segments=0,
                    cost=0,
                    lease_until=None,
                    updated_at=now,
                ),
                final,
            )

    def _final_status(self, claimed: Claimed, result: SendResult) -> tuple[str, tuple]:
        """The status and reason (sms.reasons) of a message no more attempts are made for; the
        provider's own words stay in `last_error`, shown beside the reason."""
        if result.outcome == "expired":
            return MessageStatus.EXPIRED.value, (reasons.EXPIRED, None)
        if result.outcome == "retry":
            return MessageStatus.FAILED.value, (reasons.GAVE_UP, {"tries": claimed.attempts})
        return MessageStatus.FAILED.value, (reasons.REFUSED, None)


def status_callback_url(config) -> str | None:
    """Twilio posts delivery news here; the dev gateway has none to post."""
    if config.get("SMS_STATUS_CALLBACK_URL"):
        return config["SMS_STATUS_CALLBACK_URL"]
    if config.get("SMS_GATEWAY") == "twilio":
        return config["PUBLIC_BASE_URL"].rstrip("/") + "/sms/status"
    return None


def _keep_later_status(new_status: MessageStatus):
    """A status callback may have arrived before our own result: never move back."""
    column = T.c.status
    # Literal comparisons, not IN (...): an expanding IN cannot run in an executemany.
    earlier = or_(column == MessageStatus.QUEUED.value, column == MessageStatus.SENDING.value)
    return case((earlier, new_status.value), else_=column)


def _coalesce(value, column):
    return func.coalesce(value, column)


def commit_with_interactions(message_ids: list[int], write) -> None:
    """Commit the batch's results (`write()`) together with their interactions in the case
    record, one record call for the batch, in one unit of work.

    The record refusing must never cost a result: if it raises, the results are written again
    and committed alone (and the error logged), so no sent message is left "sending".
    """
    try:
        with unit_of_work():
            write()
            pairs = case_record.record_outbound(message_ids)
    except Exception as error:
        if not isinstance(error, RecordError):
            log.exception("could not record outbox messages in the case record")
        else:
            log.warning("the case record refused outbox messages %s: %s", message_ids, error)
        with unit_of_work():
            write()
        return
    with unit_of_work():
        case_record.link_interactions(pairs)

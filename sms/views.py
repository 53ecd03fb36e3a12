"""Staff pages: "Sent messages" (status, segments, cost, month totals) and the development
mailbox. A party's consent and preferred channel are edited on the desk's party page (the case
record owns them, on ContactAddress and Party); sms reads them from there."""

from collections import OrderedDict
from datetime import date
from decimal import Decimal

from flask import Blueprint, current_app, render_template, request
from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from core.database import utcnow
from core.time import BRUSSELS
from desk import access, record
from desk.interaction_texts import register_texts
from extensions import db
from sms.models import DevMessage, MessageStatus, OutboxMessage
from sms.purposes import purpose_label
from sms.reasons import reason_words

# The pages' access-log details (desk.record.access_log).
register_texts(
    {
        "sms.sent_messages_page": _l("Sent messages page"),
        "sms.development_mailbox": _l("Development mailbox"),
    }
)

bp = Blueprint("sms", __name__, url_prefix="/sms")
PAGE = 50

STATUS_LABELS = {
    "queued": "Waiting to be sent",
    "sending": "Being sent",
    "sent": "Sent",
    "delivered": "Delivered",
    "undelivered": "Not delivered",
    "failed": "Failed",
    "refused": "Refused",
    "skipped": "Not sent",
    "expired": "Too late, not sent",
}


def status_label(status) -> str:
    return _(STATUS_LABELS.get(str(status), str(status)))


def _translatable_labels():
    """Listed so the extractor finds the labels that status_label translates at run time."""
    return [
        _("Waiting to be sent"), _("Being sent"), _("Sent"), _("Delivered"),
        _("Not delivered"), _("Failed"), _("Refused"), _("Not sent"), _("Too late, not sent"),
    ]  # fmt: skip


@bp.get("/messages")
@login_required
def messages():
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    status = request.args.get("status", "")
    if status in {s.value for s in MessageStatus}:
        query = query.where(OutboxMessage.status == status)
    problems = request.args.get("problems") == "1"
    if problems:
        query = query.where(
            OutboxMessage.status.in_(["failed", "refused", "undelivered", "expired"])
        )
    before = request.args.get("before", type=int)
    if before:
        query = query.where(OutboxMessage.id < before)
    rows = db.session.scalars(query.limit(PAGE + 1)).all()
    older = rows[PAGE].id + 1 if len(rows) > PAGE else None
    rows = rows[:PAGE]
    hidden = hidden_rows(rows, lambda row: row.party_id, "sms.sent_messages_page")
    return render_template(
        "sms/messages.html",
        rows=rows,
        hidden=hidden,
        older=older,
        months=month_totals(),
        status=status,
        problems=problems,
        statuses=[s.value for s in MessageStatus],
        status_label=status_label,
        purpose_label=purpose_label,
        reason_words=reason_words,
        money=money,
        number=format_decimal,
    )


def money(amount) -> str:
    """€ 1,19 in Dutch, 1,19 € in French, €1.19 in English: Babel's format for the locale."""
    return format_currency(amount, "EUR")


def month_totals(months: int = 12) -> list[dict]:
    """Cost per month, in Brussels months; only what went out is billed."""
    totals: OrderedDict = OrderedDict()
    now = utcnow()
    index = now.year * 12 + now.month - 1 - months
    since = now.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0)
    billed = ["sent", "delivered", "undelivered"]
    rows = db.session.execute(
        select(OutboxMessage.created_at, OutboxMessage.segments, OutboxMessage.cost)
        .where(
            OutboxMessage.channel == "sms",
            OutboxMessage.status.in_(billed),
            OutboxMessage.created_at >= since,
        )
        .execution_options(yield_per=5000)
    )
    for created_at, segments, cost in rows:
        local = created_at.astimezone(BRUSSELS)
        month = (local.year, local.month)
        entry = totals.setdefault(month, {"month": month, "messages": 0, "segments": 0})
        entry["messages"] += 1
        entry["segments"] += segments or 0
        entry["cost"] = entry.get("cost", Decimal("0")) + Decimal(cost or 0)
    ordered = sorted(totals.values(), key=lambda e: e["month"], reverse=True)
    for entry in ordered:  # "december 2026", "décembre 2026", "December 2026"
        entry["label"] = format_date(date(*entry["month"], 1), "LLLL y")
    return ordered


@bp.get("/dev")
@login_required
def dev_messages():
    rows = db.session.execute(
        select(DevMessage, OutboxMessage.party_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == DevMessage.outbox_id)
        .order_by(DevMessage.id.desc())
        .limit(100)
    ).all()
    parties = {row.id: party_id for row, party_id in rows}
    rows = [row for row, _party_id in rows]
    hidden = hidden_rows(rows, lambda row: parties[row.id], "sms.development_mailbox")
    return render_template(
        "sms/dev.html",
        rows=rows,
        hidden=hidden,
        gateway=current_app.config["SMS_GATEWAY"],
    )


def hidden_rows(rows, party_of, page: str) -> set[int]:
    """The party page's rule on a list of messages: the ids of rows whose party this staff
    member may not see (shown as hidden, without address or text); every party shown is in the
    access log, in one INSERT."""
    staff = current_user._get_current_object()
    seen = access.visible_live_ids(staff, [party_of(row) for row in rows])
    hidden = {row.id for row in rows if party_of(row) is not None and seen[party_of(row)] is None}
    shown = sorted({live for live in seen.values() if live is not None})
    record.log_access(staff=staff, party_ids=shown, action="view", purpose="contact", detail=page)
    return hidden

"""Staff pages: "Sent messages" (status, segments, cost, month totals), the development
mailbox, and a party's contact preferences as a partial the desk's party page includes."""

from collections import OrderedDict
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select

from core.database import utcnow
from extensions import db
from sms import case_record, consent
from sms.models import DevMessage, MessageStatus, OutboxMessage

bp = Blueprint("sms", __name__, url_prefix="/sms")
PAGE = 50
BRUSSELS = ZoneInfo("Europe/Brussels")

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
    return render_template(
        "sms/messages.html",
        rows=rows[:PAGE],
        older=older,
        months=month_totals(),
        status=status,
        problems=problems,
        statuses=[s.value for s in MessageStatus],
        status_label=status_label,
        zone=BRUSSELS,
    )


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
        month = created_at.astimezone(BRUSSELS).strftime("%Y-%m")
        entry = totals.setdefault(month, {"month": month, "messages": 0, "segments": 0})
        entry["messages"] += 1
        entry["segments"] += segments or 0
        entry["cost"] = entry.get("cost", Decimal("0")) + Decimal(cost or 0)
    return sorted(totals.values(), key=lambda e: e["month"], reverse=True)


@bp.get("/dev")
@login_required
def dev_messages():
    rows = db.session.scalars(select(DevMessage).order_by(DevMessage.id.desc()).limit(100)).all()
    return render_template(
        "sms/dev.html", rows=rows, gateway=current_app.config["SMS_GATEWAY"], zone=BRUSSELS
    )


# --- a party's contact preferences, included on the desk's party page -----------------------


def preferences(party_id: int):
    addressee = case_record.addressee_for_party(party_id)
    if addressee is None:
        return None
    numbers = [addressee.phone] if addressee.phone else []
    notices = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.party_id == addressee.party_id)
        .order_by(OutboxMessage.id.desc())
        .limit(10)
    ).all()
    return {
        "addressee": addressee,
        "stops": {number: consent.consent_of(number) for number in numbers},
        "notices": notices,
    }


def render_party_preferences(party_id: int) -> Markup:
    context = preferences(party_id)
    if context is None:
        return Markup("")
    # render_template autoescapes: the HTML is ours, the values in it are escaped.
    return Markup(  # noqa: S704
        render_template(
            "sms/party_preferences.html", party_id=party_id, status_label=status_label, **context
        )
    )


@bp.post("/party/<int:party_id>/preferences")
@login_required
def update_preferences(party_id):
    from sms import case_record as bridge

    addressee = bridge.addressee_for_party(party_id)
    if addressee is None:
        abort(404)
    channel = request.form.get("preferred_channel", "")
    reminders = request.form.get("consent_reminders") == "1"
    try:
        bridge.set_preferences(party_id, channel=channel, reminders=reminders)
    except ValueError:
        flash(_("Choose SMS, e-mail, post or none."), "error")
    else:
        if addressee.phone and request.form.get("sms_stopped") in ("0", "1"):
            stopped = request.form["sms_stopped"] == "1"
            if stopped != consent.opted_out(addressee.phone):
                consent.set_opted_out(addressee.phone, stopped, keyword="desk")
        db.session.commit()
        flash(_("Contact preferences saved."), "success")
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("sms.messages")
    return redirect(target)

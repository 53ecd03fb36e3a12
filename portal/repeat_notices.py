"""The repeat of an important notice nobody opened: once, on the same channel, saying who sent
it and what it is about.

MijnOverheid found almost half of its messages still unopened after three weeks. A notice
marked important that is not opened in Mijn Loket within PORTAL_REPEAT_AFTER_DAYS goes out
once more on the channel it went out on (the party's one letterbox, never a second one). The
repeat's idempotency key is "repeat:<notice id>", so a second run of the job, or two schedulers
at once, queue it once; the repeat itself is not important, so it is never repeated again.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.database import utcnow
from core.scheduler import register_job
from core.time import local_moment
from core.unit_of_work import unit_of_work
from sms import consent, read
from sms.models import MessageStatus
from sms.outbox import queue_messages
from sms.purposes import purpose_label
from sms.segments import MAX_BODY


def repeat_unopened_notices(now=None) -> int:
    """Queue the repeats that are due; returns how many were new."""
    now = now or utcnow()
    days = current_app.config["PORTAL_REPEAT_AFTER_DAYS"]
    with unit_of_work():
        due = read.important_unopened(now - timedelta(days=days))
        stopped = consent.opted_out_among([notice.recipient for notice in due])
        queue_messages([repeat_of(notice, stopped.get(notice.recipient)) for notice in due])
    return len(due)


def repeat_of(notice, stop=None) -> dict:
    """The repeat's outbox keywords, worded in the notice's own language. An address that
    said STOP since gets none (kept as skipped, with why), unless the purpose is exempt."""
    sender = current_app.config["MUNICIPALITY_NAME"]
    with force_locale(notice.language):
        when = local_moment(notice.sent_at)
        subject = notice.subject or purpose_label(notice.purpose)
        intro = _(
            "Repeat: %(sender)s sent you this important message on %(when)s and it has not "
            "been opened yet. Subject: %(subject)s.",
            sender=sender,
            when=when,
            subject=subject,
        )
        repeat_subject = _("Repeat from %(sender)s: %(subject)s", sender=sender, subject=subject)
    body = f"{intro}\n\n{notice.body}"
    if notice.channel == "sms" and len(body) > MAX_BODY:
        body = body[: MAX_BODY - 1] + "…"
    return dict(
        key=f"{read.REPEAT_KEY}{notice.id}",
        channel=notice.channel,
        recipient=notice.recipient,
        subject=repeat_subject[:200],
        body=body,
        html_body=None,
        purpose=notice.purpose,
        language=notice.language,
        party_id=notice.party_id,
        link_type=notice.link_type,
        link_id=notice.link_id,
        important=False,
        **skipped(notice, stop),
    )


def skipped(notice, stop) -> dict:
    if stop is None or notice.purpose in consent.EXEMPT_PURPOSES:
        return {}
    return {"status": MessageStatus.SKIPPED, "reason": f"opted out ({stop.keyword.upper()})"}


def init_app(app) -> None:
    register_job(app, "portal.repeat_unopened_notices", repeat_unopened_notices, seconds=3600)

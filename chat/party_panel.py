"""The chat's panel on every screen that shows a party (desk.panels): the citizen's recent
chats, so a colleague on the phone knows what was asked in the chat this morning.

The desk imports nothing of the chat: this receiver connects to the signal the desk declares.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from chat.models import Chat
from chat.notices import topic_of
from core.time import local_moment
from desk.panels import Panel
from desk.signals import party_panels
from extensions import db

RECENT = 5


@party_panels.connect
def chats_panel(_sender, *, party_ids, **_kwargs) -> Panel | None:
    chats = db.session.scalars(
        select(Chat)
        .where(Chat.party_id.in_(party_ids))
        .order_by(Chat.created_at.desc(), Chat.id.desc())
        .limit(RECENT)
    ).all()
    if not chats:
        return None
    rows = [
        {
            "when": local_moment(chat.created_at),
            "topic": topic_of(chat) or _("Free question"),
            "status": {"waiting": _("Waiting"), "active": _("In progress"), "ended": _("Ended")}[
                chat.status.value
            ],
        }
        for chat in chats
    ]
    return Panel(
        key="chats",
        title=_("Recent chats"),
        order=40,
        template="chat/party_panel.html",
        context={"chats": rows},
    )

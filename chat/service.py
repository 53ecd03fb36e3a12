"""Starting, resuming, taking and ending chats; messages with their sequence numbers.

Services add and flush, never commit (core.unit_of_work): the socket handler owns the unit.
"""

from sqlalchemy import select

from chat.models import Chat, ChatStatus
from extensions import db


def agent_holds(chat_id: int, staff_id: int) -> bool:
    return (
        db.session.scalar(
            select(Chat.id).where(
                Chat.id == chat_id, Chat.agent_id == staff_id, Chat.status == ChatStatus.ACTIVE
            )
        )
        is not None
    )

"""The counter's answer to `desk.signals.link_names`: a ticket on the timeline is named as the
citizen and the board know it ("A012"), not by its row number."""

from sqlalchemy import select

from counter.models import Ticket
from desk.signals import link_names
from extensions import db


@link_names.connect
def ticket_numbers(_sender, *, link_type: str, ids, **_kwargs) -> dict[int, str] | None:
    if link_type != "ticket" or not ids:
        return None
    return {t.id: t.code for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}

"""Tickets written with Core inserts and attached to the session as loaded
(core.rows.attach_written) behave like flushed objects when the transaction fails."""

import pytest

from core.database import utcnow
from core.unit_of_work import run_in_transaction
from counter import tickets
from extensions import db


def test_a_ticket_whose_transaction_rolls_back_leaves_the_session(app, town):
    written = []

    def work():
        written.append(tickets._new_ticket(town.hall.id, town.id_card.id, utcnow(), "A"))
        raise RuntimeError("fails after the insert, before the commit")

    with pytest.raises(RuntimeError):
        run_in_transaction(work)
    assert written[0] not in db.session
    # SQLite hands the rolled-back id out again: a stale object under it would refuse the next.
    again = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    assert again.number == 1  # the number went back with the transaction
    assert again in db.session
    assert [event.action for event in again.events] == ["issued"]

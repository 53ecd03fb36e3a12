"""The set-up snapshot: shared by requests, dropped by a change, shared rows only to readers."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import text

from appointments.slots import UnknownService, find_slots, load_visit
from extensions import db
from office import setup
from tests.appointments.conftest import local
from tests.statements import statements_during

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
MONDAY = date(2027, 3, 1)


def slot_starts(office) -> list[datetime]:
    return starts_for(office.id_card.id)


def starts_for(service_id: int) -> list[datetime]:
    visit = load_visit([service_id])
    return [s.start for s in find_slots(visit, MONDAY, MONDAY, now=NOW)]


def test_a_second_request_reads_no_set_up_rows(office):
    service_id = office.id_card.id
    _starts, first = statements_during(lambda: starts_for(service_id))
    db.session.commit()
    _starts, second = statements_during(lambda: starts_for(service_id))
    assert any("opening_period" in s for s in first)
    assert not any("opening_period" in s or "FROM service" in s for s in second)
    assert [s for s in second if "FROM appointment" in s]  # the appointments are read each time


def test_a_committed_change_is_seen_by_the_next_request(office):
    assert local(MONDAY, 9) in slot_starts(office)
    office.close_on(MONDAY)
    db.session.commit()
    assert slot_starts(office) == []


def test_a_change_from_elsewhere_is_seen_once_the_snapshot_is_old(app, office):
    """Another process's admin change does not reach this process's commit hook: the snapshot's
    age bounds how long it goes unseen. Raw SQL stands in for the other process."""
    service_id = office.id_card.id
    app.config["BOOKING_SETUP_CACHE_SECONDS"] = 3600
    assert local(MONDAY, 9) in starts_for(service_id)
    db.session.execute(text("UPDATE service SET active = false"))
    db.session.commit()
    assert local(MONDAY, 9) in starts_for(service_id)  # still the snapshot's
    app.config["BOOKING_SETUP_CACHE_SECONDS"] = 0
    db.session.commit()
    with pytest.raises(UnknownService):
        starts_for(service_id)


def test_a_snapshot_read_beside_an_uncommitted_change_is_not_kept(app, office):
    office.close_on(MONDAY)
    db.session.flush()
    assert slot_starts(office) == []  # this transaction sees its own change...
    db.session.rollback()
    assert local(MONDAY, 9) in slot_starts(office)  # ...and nobody keeps it after a rollback


def test_services_are_copies_in_the_callers_session(app, office):
    held = setup.snapshot().services[office.id_card.id]
    mine = setup.services([office.id_card.id])[0]
    assert mine is not held and mine in db.session and held not in db.session
    mine.duration_minutes = 99  # a change in one request...
    assert held.duration_minutes == 15  # ...is not the next request's set-up
    db.session.rollback()


def test_a_reader_gets_the_snapshots_own_rows_and_they_stay_out_of_its_session(office):
    held = setup.snapshot().services[office.id_card.id]
    assert setup.services([office.id_card.id, 999_999], attached=False) == [held]
    assert held not in db.session
    assert load_visit([office.id_card.id], attached=False).services == (held,)


def test_weekly_hours_and_counters_come_from_the_snapshot(office):
    known = setup.snapshot()
    assert known.weekly[office.town_hall.id][0] == [(time(8, 30), time(12)), (time(13), time(16))]
    assert known.counters_for([office.id_card.id], [office.town_hall.id]) == {
        office.town_hall.id: sorted([office.desk_1.id, office.desk_2.id])
    }
    assert known.counters_for([office.id_card.id, office.birth.id], [office.town_hall.id]) == {
        office.town_hall.id: []
    }

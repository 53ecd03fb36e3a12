"""The set-up, read once and shared: services, locations, counters, hours, exceptions.

Every slots request, every booking and every kiosk ticket needs these rows, and an admin
changes them a few times a week; reading them anew each time cost four queries and a fifth of a
booking's time. Each
process keeps one snapshot for at most BOOKING_SETUP_CACHE_SECONDS. A commit that changes a
set-up row drops this process's snapshot at once (the admin who saved, and every test, sees the
change on the next request); other processes see it within those seconds. The one hard rule,
no double booking, never depends on the snapshot: the database enforces it.

The snapshot's Service and Location rows are detached and never handed out: `services()` merges
copies into the caller's session without a query (merge with load=False), so no row object is
shared between sessions or threads.
"""

import time as clock
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from extensions import db
from office import holidays
from office.models import (
    Counter,
    Location,
    OpeningException,
    OpeningPeriod,
    Service,
    counter_service,
)
from office.opening import HoursException, day_hours

SETUP_MODELS = (Location, Service, Counter, OpeningPeriod, OpeningException)
_generation = 0  # raised by every commit in this process that changed a set-up row


@dataclass(frozen=True)
class Place:
    """A location's rules as plain values: they outlive any transaction."""

    id: int
    timezone: str
    min_notice_minutes: int
    horizon_days: int
    walk_in_percent: int
    active: bool = True

    @classmethod
    def of(cls, location: Location) -> "Place":
        return cls(
            location.id,
            location.timezone,
            location.min_notice_minutes,
            location.horizon_days,
            location.walk_in_percent,
            location.active,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps one instance per zone


@dataclass(frozen=True)
class Snapshot:
    generation: int
    read_at: float  # time.monotonic()
    services: dict[int, Service]  # detached, with their locations loaded
    serving: tuple[tuple[int, int, frozenset[int]], ...]  # active counter, location, services
    weekly: dict[int, dict[int, list[tuple[time, time]]]]  # location -> weekday -> periods
    exceptions: dict[int, list[HoursException]]  # location -> exceptions, by day
    places: dict[int, Place]  # every location, active or not

    def hours_on(self, location_id: int, day: date) -> list[tuple[time, time]]:
        """The location's local hours on the day, in order (office.opening.day_hours' rule)."""
        periods = day_hours(
            day,
            self.weekly.get(location_id, {}),
            self.exceptions.get(location_id, ()),
            holidays.days_between(day, day),
        )
        return sorted(periods)

    def counters_for(self, service_ids, location_ids) -> dict[int, list[int]]:
        """Location id -> ids of its active counters that serve every one of the services."""
        wanted = set(service_ids)
        found: dict[int, list[int]] = {i: [] for i in location_ids}
        for counter_id, location_id, served in self.serving:
            if location_id in found and served >= wanted:
                found[location_id].append(counter_id)
        return found


def snapshot() -> Snapshot:
    """This process's snapshot, read again when it is too old or a set-up row changed."""
    held = current_app.extensions.get("office_setup")
    fresh_for = current_app.config["BOOKING_SETUP_CACHE_SECONDS"]
    stale = held is None or held.generation != _generation
    if stale or clock.monotonic() - held.read_at > fresh_for:
        held = _read()
        if not db.session.info.get("office_setup_changed"):
            # Not kept when read in a transaction that changed the set-up: it might roll back.
            current_app.extensions["office_setup"] = held
    return held


def services(ids, *, attached: bool = True) -> list[Service]:
    """The services with these ids that exist (active or not), as rows of the caller's session:
    copies of the snapshot's, unless the session holds its own loaded ones (maybe changed).

    Not `attached`: the snapshot's own rows, shared by the process, for a caller that only
    reads their loaded fields (a slots answer); copying cost it a tenth of its time.
    """
    known, session = snapshot().services, db.session()
    if not attached:
        return [known[i] for i in ids if i in known]
    found = []
    for i in ids:
        if i in known:
            mine = session.identity_map.get(identity_key(Service, i))
            if mine is None or inspect(mine).expired:  # expired: a commit or rollback since
                mine = session.merge(known[i], load=False)
            found.append(mine)
    return found


def _read() -> Snapshot:
    # A session of its own, so what it loads is not the caller's rows (they may hold changes),
    # on the caller's connection: a second one per request would drain the pool under load.
    generation, read_at = _generation, clock.monotonic()
    with Session(bind=db.session.connection()) as session:
        rows = session.scalars(
            select(Service).options(selectinload(Service.locations)).order_by(Service.id)
        ).all()
        serving: dict[tuple[int, int], set[int]] = {}
        for counter_id, location_id, service_id in session.execute(
            select(Counter.id, Counter.location_id, counter_service.c.service_id)
            .join(counter_service, counter_service.c.counter_id == Counter.id)
            .where(Counter.active.is_(True))
            .order_by(Counter.id)
        ):
            serving.setdefault((counter_id, location_id), set()).add(service_id)
        weekly: dict[int, dict[int, list]] = {}
        for location_id, weekday, opens, closes in session.execute(
            select(
                OpeningPeriod.location_id,
                OpeningPeriod.weekday,
                OpeningPeriod.opens,
                OpeningPeriod.closes,
            )
        ):
            weekly.setdefault(location_id, {}).setdefault(weekday, []).append((opens, closes))
        exceptions: dict[int, list] = {}
        for row in session.execute(
            select(
                OpeningException.location_id,
                OpeningException.day,
                OpeningException.closed,
                OpeningException.opens,
                OpeningException.closes,
            ).order_by(OpeningException.day)
        ):
            exceptions.setdefault(row[0], []).append(HoursException(*row[1:]))
        places = {
            row[0]: Place(*row)
            for row in session.execute(
                select(
                    Location.id,
                    Location.timezone,
                    Location.min_notice_minutes,
                    Location.horizon_days,
                    Location.walk_in_percent,
                    Location.active,
                )
            )
        }
        session.expunge_all()
    return Snapshot(
        generation=generation,
        read_at=read_at,
        services={s.id: s for s in rows},
        serving=tuple((c, loc, frozenset(s)) for (c, loc), s in serving.items()),
        weekly=weekly,
        exceptions=exceptions,
        places=places,
    )


@event.listens_for(Session, "before_flush")
def _note_setup_change(session, _context, _instances) -> None:
    if any(
        isinstance(row, SETUP_MODELS) for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info["office_setup_changed"] = True


@event.listens_for(Session, "after_commit")
def _drop_snapshots(session) -> None:
    global _generation
    if session.info.pop("office_setup_changed", False):
        _generation += 1

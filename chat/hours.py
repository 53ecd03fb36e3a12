"""When the chat is staffed: the opening hours of one location (office.hours), so the chat and
the office never disagree. `CHAT_HOURS_LOCATION` names it; by default the first active one."""

from dataclasses import dataclass
from datetime import time

from flask import current_app

from core.database import utcnow
from office import hours, setup


@dataclass(frozen=True)
class ChatHours:
    open_now: bool
    today: list[tuple[time, time]]  # local periods; empty: closed today


def chat_location_id() -> int | None:
    chosen = current_app.config.get("CHAT_HOURS_LOCATION")
    if chosen:
        return int(chosen)
    places = sorted(p.id for p in setup.snapshot().places.values() if p.active)
    return places[0] if places else None


def chat_hours() -> ChatHours:
    location_id = chat_location_id()
    if location_id is None:
        return ChatHours(False, [])
    now = utcnow()
    place = setup.snapshot().places[location_id]
    today = hours.hours_on(location_id, now.astimezone(place.zone).date())
    return ChatHours(hours.open_at(location_id, now), list(today))

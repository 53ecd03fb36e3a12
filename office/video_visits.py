"""Booked video appointments: the join link that booking hands out and chat opens.

A service is offered "by video" when a location of kind online (office.models.LocationKind)
offers it: availability, booking and the day view work as for a building, the online location's
counters being staff at a camera. Booking and chat are channels and never import each other;
both stand on this floor, which owns the one thing they must agree on: the join link's token and
its paths. Booking puts `citizen_join_path` on the confirmation and the manage page and
`staff_join_path` on the day view; chat serves both paths, reads the booking through
`office.visits.booked_visit`, checks `join_window` and opens a chat of kind video_appointment.

The token is the booking reference signed with SECRET_KEY (its own salt): it cannot be guessed
from a reference, and it needs no table. When it works is not in the token but in the booking
(read at every join): a rescheduled appointment's link follows the new time, a cancelled one's
opens nothing.
"""

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from extensions import db
from office.models import Location, LocationKind

JOIN_EARLY = timedelta(minutes=15)  # the waiting room opens before the appointment
JOIN_LATE = timedelta(minutes=30)  # and stays open this long after its planned end
SALT = "office.video-appointment"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def join_token(reference: str) -> str:
    return _serializer().dumps(reference)


def reference_of(token: str) -> str | None:
    """The booking reference a join token stands for; None for anything else."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        reference = _serializer().loads(token)
    except BadSignature:
        return None
    return reference if isinstance(reference, str) else None


def citizen_join_path(reference: str) -> str:
    return f"/video/{join_token(reference)}"


def public_join_url(reference: str) -> str:
    """The link as a notice carries it, outside any request (PUBLIC_BASE_URL)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + citizen_join_path(reference)


def staff_join_path(reference: str) -> str:
    return f"/chat/video/appointment/{reference}"


def join_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    return starts_at - JOIN_EARLY, ends_at + JOIN_LATE


def is_online(location_id: int) -> bool:
    kind = db.session.scalar(db.select(Location.kind).where(Location.id == location_id))
    return kind == LocationKind.ONLINE

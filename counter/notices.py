"""What the counter tells clients, queued until the commit (realtime.emit_after_commit)."""

from realtime import emit_after_commit
from realtime.namespaces import desk_room, display_room


def ticket_called_payload(ticket, counter_name: str) -> dict:
    return {
        "number": ticket.code,
        "counter": counter_name,
        "location_id": ticket.location_id,
        "called_at": ticket.called_at.isoformat(),
    }


def announce_call(ticket, counter_name: str) -> None:
    """Boards show the call; desks of the location see it too (who is served where)."""
    payload = ticket_called_payload(ticket, counter_name)
    location_id = ticket.location_id
    emit_after_commit("ticket_called", payload, namespace="/display", to=display_room(location_id))
    emit_after_commit("ticket_called", payload, namespace="/desk", to=desk_room(location_id))
    queue_changed(location_id)


def queue_changed(location_id: int) -> None:
    """Desks and phones refetch what they show; the event itself carries no personal data."""
    payload = {"location_id": location_id}
    emit_after_commit("queue_changed", payload, namespace="/desk", to=desk_room(location_id))
    emit_after_commit("queue_changed", payload, namespace="/display", to=display_room(location_id))

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
    emit_after_commit(
        "ticket_called",
        ticket_called_payload(ticket, counter_name),
        namespace="/display",
        to=display_room(ticket.location_id),
    )
    queue_changed(ticket.location_id)


def queue_changed(location_id: int) -> None:
    """Desks and phones refetch what they show; the event itself carries no personal data."""
    payload = {"location_id": location_id}
    emit_after_commit("queue_changed", payload, namespace="/desk", to=desk_room(location_id))
    emit_after_commit("queue_changed", payload, namespace="/display", to=display_room(location_id))

"""What the counter tells clients, queued until the commit (realtime.emit_after_commit).

One packet per client per change: every send is a write on one of possibly thousands of open
sockets in one process, so a call is announced once (it is also a queue change: phones and
desks refetch on it) and a queue change only wakes the clients that show the queue.
"""

from realtime import emit_after_commit
from realtime.namespaces import desk_room, display_room, follow_room


def ticket_called_payload(ticket, counter_name: str) -> dict:
    return {
        "number": ticket.code,
        "counter": counter_name,
        "location_id": ticket.location_id,
        "called_at": ticket.called_at.isoformat(),
    }


def announce_call(ticket, counter_name: str) -> None:
    """Boards show the call and phones refetch (/display); desks see who is served where."""
    payload = ticket_called_payload(ticket, counter_name)
    location_id = ticket.location_id
    emit_after_commit(
        "ticket_called",
        payload,
        namespace="/display",
        to=[display_room(location_id), follow_room(location_id)],
    )
    emit_after_commit("ticket_called", payload, namespace="/desk", to=desk_room(location_id))


def queue_changed(location_id: int) -> None:
    """Desks and phones refetch what they show; the event itself carries no personal data.
    Boards show calls only: they are not woken."""
    payload = {"location_id": location_id}
    emit_after_commit("queue_changed", payload, namespace="/desk", to=desk_room(location_id))
    emit_after_commit("queue_changed", payload, namespace="/display", to=follow_room(location_id))

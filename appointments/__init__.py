"""Online booking: computed availability, bookings, .ics; in the office's set-up (office/)."""

# Imported for the signals they connect: the kiosk's check-in (office.visits), SMS replies.
from appointments import arrivals, sms_replies  # noqa: F401

"""Online booking: services, locations, opening hours, computed availability, .ics.

Other packages read bookings through `of_party` (appointments.read), never the booking tables.
"""

from appointments import sms_replies  # noqa: F401  (connects the SMS reply words)
from appointments.read import PartyAppointment, of_party

__all__ = ["PartyAppointment", "of_party"]

"""Online booking: computed availability, bookings, .ics; in the office's set-up (office/).

Other packages read bookings through `of_party` (appointments.read), never the booking tables.
"""

# Imported for the signals they connect: the kiosk's check-in (office.visits), SMS replies, the
# desk's search by reference, the staff form's offices.
from appointments import arrivals, record_lookup, sms_replies, staff_locations  # noqa: F401
from appointments.read import ManageLinks, PartyAppointment, of_party, with_manage_links

__all__ = ["ManageLinks", "PartyAppointment", "of_party", "with_manage_links"]

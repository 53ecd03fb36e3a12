"""Online booking: services, locations, opening hours, computed availability, .ics."""

from appointments import sms_replies  # noqa: F401  (connects the SMS reply words)

"""Online booking: services, locations, opening hours, computed availability, .ics."""

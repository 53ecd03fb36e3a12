"""The municipality's wall clock. Stored times are UTC; people see them in Brussels time.

The one place the zone is named: every package that turns a stored time into a day or an hour
a person reads takes it from here.
"""

from zoneinfo import ZoneInfo

TIMEZONE = "Europe/Brussels"
BRUSSELS = ZoneInfo(TIMEZONE)

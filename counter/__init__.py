"""The walk-in counter: kiosk tickets, check-in, call-next, the waiting-room board.

Reads booking's Location, Service, Counter and Appointment (appointments.models); keeps its own
tables (tickets, their events, the daily number per location) in counter.models.
"""

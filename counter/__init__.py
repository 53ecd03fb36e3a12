"""The walk-in counter: kiosk tickets, check-in, call-next, the waiting-room board.

Reads the office's set-up (office.models: locations, services, counters) and booking's
Appointment (appointments.models); keeps its own tables (tickets, their events, the daily number
per location) in counter.models.
"""

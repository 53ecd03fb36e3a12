"""The walk-in counter: kiosk tickets, check-in, call-next, the waiting-room board.

Reads the office's set-up (office.models: locations, services, counters) and asks the office
whether a location is open (office.hours) and what a booking reference stands for
(office.visits); keeps its own tables (tickets, their events, the daily number per location) in
counter.models. It imports no other channel.
"""

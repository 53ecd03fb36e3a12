"""The phone channel: Twilio Voice menu and queues, callbacks that keep the caller's turn, calls
from other phone systems (CTI), and the call agents' console.

Reads the office's set-up (office.models: services, locations; office.hours for opening hours)
and writes the case record (desk.record): parties matched from the caller's number, tasks for
callback requests, an interaction per call. Keeps its own tables in phone.models. It imports no
other channel; the portal and reports read calls through phone.read.
"""

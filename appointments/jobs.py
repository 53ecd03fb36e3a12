"""The booking package's scheduled jobs, registered with core.scheduler in create_app."""

from appointments import recorder
from core.scheduler import register_job


def init_app(app) -> None:
    # Before the SMS jobs: `scheduler --once` then sends the confirmations it queues.
    register_job(
        app,
        "appointments.record",
        recorder.record_waiting_bookings,
        seconds=recorder.RECORD_SECONDS,
    )

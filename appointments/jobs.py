"""The booking package's scheduled job, registered with core.scheduler in create_app."""

from appointments import notices
from core.scheduler import register_job
from core.unit_of_work import unit_of_work


def queue_reminders() -> None:
    """One pass of reminders, in one unit of work (see notices.queue_due_reminders)."""
    with unit_of_work():
        notices.queue_due_reminders()


def init_app(app) -> None:
    # Registered before the SMS jobs: `scheduler --once` then sends the reminders it queues.
    register_job(app, "appointments.reminders", queue_reminders, seconds=60)

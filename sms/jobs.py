"""The SMS package's scheduled jobs, registered with core.scheduler in create_app."""

from core.scheduler import register_job
from core.unit_of_work import unit_of_work


def send_outbox() -> None:
    """Drain what is due; the dedicated `flask sms send` process does the same, faster."""
    from sms.cli import default_name
    from sms.sender import Sender

    Sender(name=f"{default_name()}-scheduler", batch_size=100, threads=4).run(once=True)


def queue_reminders() -> None:
    from sms import booking_notices

    with unit_of_work():
        booking_notices.queue_due_reminders()


def init_app(app) -> None:
    # Order matters for `scheduler --once`: queue the reminders, then send them.
    register_job(app, "sms.reminders", queue_reminders, seconds=60)
    register_job(app, "sms.send_outbox", send_outbox, seconds=5)
    from sms import booking_notices, counter_notices

    booking_notices.connect()
    counter_notices.connect()

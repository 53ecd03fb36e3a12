"""The SMS package's scheduled job, registered with core.scheduler in create_app."""

from core.scheduler import register_job


def send_outbox() -> None:
    """Drain what is due; the dedicated `flask sms send` process does the same, faster."""
    from sms.cli import default_name
    from sms.sender import Sender

    Sender(name=f"{default_name()}-scheduler", batch_size=100, threads=4).run(once=True)


def init_app(app) -> None:
    # Registered after the channels' jobs: `scheduler --once` sends what their passes queued
    # (the reminders) in the same run.
    register_job(app, "sms.send_outbox", send_outbox, seconds=5)

"""`flask --app app sms send`: a dedicated outbox sender, for volumes the scheduler's job
would make wait (the benchmark, a mass reminder morning)."""

import signal
import socket

import click
from flask import current_app
from flask.cli import AppGroup

sms_cli = AppGroup("sms", help="SMS and e-mail outbox.")


def default_name() -> str:
    return current_app.config.get("SMS_SENDER_NAME") or socket.gethostname()


@sms_cli.command("send")
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
@click.option("--name", default=None, help="Sender name; two senders need two names.")
@click.option("--batch-size", default=100, show_default=True)
@click.option("--threads", default=8, show_default=True)
def send_command(once, name, batch_size, threads):
    """Send the outbox. A restart under the same --name recovers what the last run left."""
    from sms.sender import Sender

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    sender = Sender(name=name or default_name(), batch_size=batch_size, threads=threads)
    handled = sender.run(once=once, should_stop=lambda: bool(stopping))
    click.echo(f"handled {handled} messages")

"""`flask --app app seed-demo`: the same demo municipality every time, from every package's part.

It lives above the packages because it composes them; desk must not import a channel.
"""

import click

from appointments.demo import seed_booking_demo
from chat.demo import seed_chat_demo
from core.unit_of_work import unit_of_work
from counter.demo import seed_counter_demo
from desk.demo import DEMO_PASSWORD, seed_staff


@click.command("seed-demo")
def seed_demo_command():
    """Load deterministic demo data (safe to run again: existing rows are kept)."""
    with unit_of_work():
        staff = seed_staff()
        seed_booking_demo()
        seed_counter_demo()  # after booking: the letters are for its services
        seed_chat_demo()
    click.echo(f"Demo staff, all with password {DEMO_PASSWORD} (first sign-in sets up TOTP):")
    for member in staff:
        click.echo(f"  {member.role.value:<12} {member.email}")

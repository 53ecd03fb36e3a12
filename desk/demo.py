"""Deterministic demo data."""

import click


@click.command("seed-demo")
def seed_demo_command():
    """Load deterministic demo data."""

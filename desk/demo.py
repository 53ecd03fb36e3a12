"""Deterministic demo data: `flask --app app seed-demo` loads the same municipality every time."""

import click
from sqlalchemy import select

from desk import accounts
from desk.models import Role, Staff
from extensions import db

DEMO_PASSWORD = "loket-demo-2026"  # noqa: S105 (printed for the demo on purpose)

DEPARTMENTS = [("burgerzaken", "Burgerzaken"), ("sociale_zaken", "Sociale Zaken")]

DEMO_STAFF = [
    ("admin@loket.demo", "Ada Admin", Role.ADMIN, "burgerzaken"),
    ("balie@loket.demo", "Bart Balie", Role.COUNTER, "burgerzaken"),
    ("callcenter@loket.demo", "Chris Contact", Role.CALL_AGENT, "burgerzaken"),
    ("backoffice@loket.demo", "Dina Dossier", Role.BACK_OFFICE, "sociale_zaken"),
]


def seed_staff() -> list[Staff]:
    departments = {
        code: accounts.get_or_create_department(code, name) for code, name in DEPARTMENTS
    }
    staff = []
    for email, name, role, department in DEMO_STAFF:
        member = db.session.scalar(select(Staff).where(Staff.email == email))
        if member is None:
            member = accounts.create_staff(
                email=email,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                department_id=departments[department].id,
            )
        staff.append(member)
    return staff


@click.command("seed-demo")
def seed_demo_command():
    """Load deterministic demo data (safe to run again: existing rows are kept)."""
    staff = seed_staff()
    db.session.commit()
    click.echo(f"Demo staff, all with password {DEMO_PASSWORD} (first sign-in sets up TOTP):")
    for member in staff:
        click.echo(f"  {member.role.value:<12} {member.email}")

"""Deterministic demo staff for `flask --app app seed-demo` (see demo.py at the top level)."""

from sqlalchemy import select

from desk import accounts
from desk.models import Role, Staff
from extensions import db

DEMO_PASSWORD = "loket-demo-2026"  # noqa: S105 (printed for the demo on purpose)

DEPARTMENTS = [("burgerzaken", "Burgerzaken"), ("sociale-zaken", "Sociale Zaken")]

DEMO_STAFF = [
    ("admin@loket.demo", "Ada Admin", Role.ADMIN, "burgerzaken"),
    ("balie@loket.demo", "Bart Balie", Role.COUNTER, "burgerzaken"),
    ("callcenter@loket.demo", "Chris Contact", Role.CALL_AGENT, "burgerzaken"),
    ("backoffice@loket.demo", "Dina Dossier", Role.BACK_OFFICE, "sociale-zaken"),
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

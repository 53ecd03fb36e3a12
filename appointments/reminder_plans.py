"""Reminder times per service (`reminder_plan`): how long before an appointment its citizen
gets a reminder. A service without a plan uses SMS_REMINDER_OFFSETS (minutes, "1440,120")."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class ReminderPlan(db.Model):
    """Reminder offsets of one service, in minutes before the start ("1440,120")."""

    __tablename__ = "reminder_plan"

    service_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    offsets: Mapped[str] = mapped_column(String(100), default="1440,120")

    @property
    def offset_minutes(self) -> list[int]:
        return parse_offsets(self.offsets)


def parse_offsets(text: str) -> list[int]:
    values = []
    for part in (text or "").replace(" ", "").split(","):
        if part.isdigit() and int(part) > 0:
            values.append(int(part))
    return sorted(set(values), reverse=True)

"""consent never assumed: addresses nobody was asked about lose the consent they were given by
default

Until issue 16 the consent columns of a contact address defaulted to yes, so an address written
by the API, by staff or at the counter consented to every purpose without anyone asking. Such an
address has no `consent_changed_at` (the citizen never answered); its consents become no, as the
model's default now is. Answers citizens gave (`consent_changed_at` set) are kept. The downgrade
leaves the rows as they are: nobody can tell which of them had been assumed.

Revision ID: e7a2c4b1d356
Revises: d5e1f3a7b920
Create Date: 2026-12-06 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a2c4b1d356'
down_revision = 'd5e1f3a7b920'
branch_labels = None
depends_on = None


def upgrade():
    address = sa.table(
        "contact_address",
        sa.column("consent_reminders", sa.Boolean),
        sa.column("consent_queue_alerts", sa.Boolean),
        sa.column("consent_case_updates", sa.Boolean),
        sa.column("consent_changed_at", sa.DateTime),
    )
    op.execute(
        address.update()
        .where(address.c.consent_changed_at.is_(None))
        .values(consent_reminders=False, consent_queue_alerts=False, consent_case_updates=False)
    )


def downgrade():
    pass

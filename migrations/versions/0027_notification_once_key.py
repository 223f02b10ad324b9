"""notification.once_key: a warning sent once per thing (a benefit's claim, a month's expiring
points), refused a second time by a unique constraint

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-28 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('once_key', sa.String(length=80), nullable=True))
        batch.create_unique_constraint('uq_notification_once_key', ['once_key'])


def downgrade():
    with op.batch_alter_table('notification') as batch:
        batch.drop_constraint('uq_notification_once_key', type_='unique')
        batch.drop_column('once_key')

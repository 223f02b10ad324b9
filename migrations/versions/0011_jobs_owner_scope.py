"""jobs keep their owner's role and region at start (a result is only theirs while unchanged)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_role', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('owner_region', sa.String(length=12), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('owner_region')
        batch_op.drop_column('owner_role')

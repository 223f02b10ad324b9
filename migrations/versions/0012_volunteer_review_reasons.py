"""volunteers: the reason of the last review (returned, rejected) and own contact details

Revision ID: 0012daily
Revises: 0011
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012daily'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_reason', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('address', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('emergency_contact_name', sa.String(length=30),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('emergency_contact_phone', sa.String(length=11),
                                      server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('emergency_contact_phone')
        batch_op.drop_column('emergency_contact_name')
        batch_op.drop_column('address')
        batch_op.drop_column('review_reason')

"""contact phones of organizations and stations hold landlines (0817-2221234-123: 20 chars)

Revision ID: 0012orgs
Revises: 0011
Create Date: 2026-11-27 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012orgs'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('organization', 'station'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('contact_phone', existing_type=sa.String(length=11),
                                  type_=sa.String(length=20), existing_nullable=False)


def downgrade():
    # A landline is kept as its digits (0817-2221234 → 08172221234), cut to 11 if longer.
    for table in ('organization', 'station'):
        op.execute(sa.text(f"UPDATE {table} SET contact_phone = "
                           "substr(replace(contact_phone, '-', ''), 1, 11)"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('contact_phone', existing_type=sa.String(length=20),
                                  type_=sa.String(length=11), existing_nullable=False)

"""audit: row_hash no longer has a unique index

A random hash made every audit write touch a random page of a large index (at 3M rows, a
page read from disk per write). The chain itself proves each row (prev_hash → row_hash under
the key); the uniqueness added nothing to it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 05:00:00

"""
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry') as batch_op:
        batch_op.drop_constraint('uq_audit_entry_row_hash', type_='unique')


def downgrade():
    with op.batch_alter_table('audit_entry') as batch_op:
        batch_op.create_unique_constraint('uq_audit_entry_row_hash', ['row_hash'])

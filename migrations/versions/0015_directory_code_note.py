"""purchasing: a directory edition's note on its codes (issue 12, engineer A)

Revision ID: 0015dir
Revises: 0014
Create Date: 2026-11-27 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015dir'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # What an edition's codes are (e.g. positional codes made for a sample, not official ones):
    # shown wherever the codes are shown.
    with op.batch_alter_table('directory_edition') as batch:
        batch.add_column(sa.Column('code_note', sa.String(length=300), nullable=False,
                                   server_default=''))


def downgrade():
    with op.batch_alter_table('directory_edition') as batch:
        batch.drop_column('code_note')

"""merge the branches of issue 13: suggestions, monthly township figures, monthly reports

Revision ID: 0026
Revises: 0023, 0024, 0025
Create Date: 2026-11-28 08:30:00

"""


revision = '0026'
down_revision = ('0023', '0024', '0025')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""merge the issue-9 branches (login names, list indexes, jobs)

Revision ID: 0010
Revises: 0009acc, 0009job, 0009scl
Create Date: 2026-11-27
"""

revision = '0010'
down_revision = ('0009acc', '0009job', '0009scl')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""merge the points store and the reports, deeds and benefits (issue 11) onto the issue-10 head

Revision ID: 0014
Revises: 0013, 0012store, 0012reports
Create Date: 2026-11-27 15:35:00

"""

revision = '0014'
down_revision = ('0013', '0012store', '0012reports')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""merge the issue-10 branches (hours, minors, organization rules, review reasons) and the
purchasing directory

Revision ID: 0013
Revises: 0012hours, 0012minors, 0012orgs, 0012daily, 0012dir
Create Date: 2026-11-27 15:00:00

"""

revision = '0013'
down_revision = ('0012hours', '0012minors', '0012orgs', '0012daily', '0012dir')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

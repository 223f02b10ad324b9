"""merge the incentive statistics (issue 11) with the purchased-service projects and awards
(issue 12)

Revision ID: 0017
Revises: 0016incstats, 0016proj, 0016award
Create Date: 2026-11-27 17:40:00

"""

revision = '0017'
down_revision = ('0016incstats', '0016proj', '0016award')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

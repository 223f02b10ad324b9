"""merge the area branches

Revision ID: 0008
Revises: 0004, 0005, 0006, 0007
Create Date: 2026-11-24 21:40:26.452227

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = ('0004', '0005', '0006', '0007')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""points: each volunteer's earnings per UTC month (what expiry sums instead of every entry),
filled from the existing ledger

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# the kinds counting towards a volunteer's `earned` when this was written (points/ledger.py)
EARNING = "('earn', 'adjust', 'reverse', 'report', 'deed')"
MONTH = {"postgresql": "CAST(to_char(created_at, 'YYYYMM') AS INTEGER)",
         "sqlite": "CAST(strftime('%Y%m', created_at) AS INTEGER)"}


def upgrade():
    op.create_table(
        'points_earned_month',
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('earned', BIGINT, nullable=False),
        sa.PrimaryKeyConstraint('volunteer_id', 'month', name=op.f('pk_points_earned_month')),
    )
    month = MONTH[op.get_bind().dialect.name]
    op.execute(f"""
        INSERT INTO points_earned_month (volunteer_id, month, earned)
        SELECT volunteer_id, {month}, SUM(points) FROM points_ledger_entry
        WHERE kind IN {EARNING}
        GROUP BY volunteer_id, {month}
    """)


def downgrade():
    op.drop_table('points_earned_month')

"""incentives: officials' statistics — the monthly points summary and the period indexes
(issue 11)

Revision ID: 0016incstats
Revises: 0015dir
Create Date: 2026-11-27 17:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016incstats'
down_revision = '0015dir'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# The Beijing month (YYYYMM) of a stored naive-UTC time, per database.
MONTH = {
    'sqlite': "CAST(strftime('%Y%m', created_at, '+8 hours') AS INTEGER)",
    'postgresql': "CAST(to_char(created_at + interval '8 hours', 'YYYYMM') AS INTEGER)",
}
# The same kinds as registry/points/month_stats.py (kept literal: a migration never imports
# the app's rules, which may change after it).
BACKFILL = """
INSERT INTO points_month_stats (township_code, month, issued, redeemed, expired)
SELECT township_code, month, SUM(issued), SUM(redeemed), SUM(expired) FROM (
    SELECT township_code, {month} AS month,
           SUM(CASE WHEN kind IN ('earn', 'adjust', 'reverse', 'report', 'deed')
                    THEN points ELSE 0 END) AS issued,
           SUM(CASE WHEN kind IN ('redeem', 'refund') THEN -points ELSE 0 END) AS redeemed,
           SUM(CASE WHEN kind = 'expire' THEN -points ELSE 0 END) AS expired
    FROM points_ledger_entry GROUP BY township_code, {month}
    UNION ALL
    SELECT township_code, {month} AS month, 0,
           SUM(CASE WHEN kind IN ('redeem', 'refund') THEN -points ELSE 0 END),
           SUM(CASE WHEN kind = 'expire' THEN -points ELSE 0 END)
    FROM household_points_entry GROUP BY township_code, {month}
) AS parts GROUP BY township_code, month
"""


def upgrade():
    op.create_table(
        'points_month_stats',
        sa.Column('township_code', sa.String(length=9), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('issued', BIGINT, nullable=False),
        sa.Column('redeemed', BIGINT, nullable=False),
        sa.Column('expired', BIGINT, nullable=False),
        sa.PrimaryKeyConstraint('township_code', 'month', name=op.f('pk_points_month_stats')),
    )
    with op.batch_alter_table('points_month_stats', schema=None) as batch_op:
        batch_op.create_index('ix_points_month_stats_month', ['month', 'township_code'],
                              unique=False)
    dialect = op.get_bind().dialect.name
    if dialect in MONTH:
        op.execute(BACKFILL.format(month=MONTH[dialect]))
    # The statistics' period filters (reports and deeds by when they came in, claims by when
    # they were made), each with the township for the jurisdiction.
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_created_at_township', ['created_at', 'township_code'],
                              unique=False)
    with op.batch_alter_table('deed', schema=None) as batch_op:
        batch_op.create_index('ix_deed_created_at_township', ['created_at', 'township_code'],
                              unique=False)
    # The station's household search by name (prefix), within its township.
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_township_name', ['township_code', 'name'],
                              unique=False)
    with op.batch_alter_table('benefit_claim', schema=None) as batch_op:
        batch_op.create_index('ix_benefit_claim_claimed_at_township',
                              ['claimed_at', 'township_code'], unique=False)


def downgrade():
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_township_name')
    with op.batch_alter_table('benefit_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_claim_claimed_at_township')
    with op.batch_alter_table('deed', schema=None) as batch_op:
        batch_op.drop_index('ix_deed_created_at_township')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_created_at_township')
    with op.batch_alter_table('points_month_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_points_month_stats_month')
    op.drop_table('points_month_stats')

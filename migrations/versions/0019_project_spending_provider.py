"""purchasing: the spending summary per year and provider (the city's table by provider reads
its largest rows on (year, amount_fen)), filled from the existing projects

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 21:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

FEN = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BACKFILL = """
INSERT INTO project_spending_provider (year, provider_id, projects, amount_fen, paid_fen)
SELECT year, provider_id, COUNT(*), SUM(amount_fen), SUM(paid_fen)
FROM purchased_service_project
GROUP BY year, provider_id
"""


def upgrade():
    op.create_table(
        'project_spending_provider',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('projects', sa.Integer(), nullable=False),
        sa.Column('amount_fen', FEN, nullable=False),
        sa.Column('paid_fen', FEN, nullable=False),
        sa.PrimaryKeyConstraint('year', 'provider_id', name=op.f('pk_project_spending_provider')),
    )
    op.create_index('ix_project_spending_provider_year_amount', 'project_spending_provider',
                    ['year', 'amount_fen'])
    op.execute(BACKFILL)


def downgrade():
    op.drop_index('ix_project_spending_provider_year_amount',
                  table_name='project_spending_provider')
    op.drop_table('project_spending_provider')

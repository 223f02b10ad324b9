"""purchasing: the spending summaries (a row per year, county, category and provider, and one
per year, county and category), filled from the existing projects

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 18:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

FEN = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BACKFILL = """
INSERT INTO project_spending (year, county_code, category_code, provider_id, category_name,
                              projects, amount_fen, paid_fen)
SELECT year, county_code, category_code, provider_id, MAX(category_name), COUNT(*),
       SUM(amount_fen), SUM(paid_fen)
FROM purchased_service_project
GROUP BY year, county_code, category_code, provider_id
"""
AREA_BACKFILL = """
INSERT INTO project_spending_area (year, county_code, category_code, category_name, projects,
                                   amount_fen, paid_fen)
SELECT year, county_code, category_code, MAX(category_name), COUNT(*), SUM(amount_fen),
       SUM(paid_fen)
FROM purchased_service_project
GROUP BY year, county_code, category_code
"""


def upgrade():
    op.create_table(
        'project_spending',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=9), nullable=False),
        sa.Column('category_code', sa.String(length=20), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('category_name', sa.String(length=200), nullable=False),
        sa.Column('projects', sa.Integer(), nullable=False),
        sa.Column('amount_fen', FEN, nullable=False),
        sa.Column('paid_fen', FEN, nullable=False),
        sa.PrimaryKeyConstraint('year', 'county_code', 'category_code', 'provider_id',
                                name=op.f('pk_project_spending')),
    )
    op.create_table(
        'project_spending_area',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=9), nullable=False),
        sa.Column('category_code', sa.String(length=20), nullable=False),
        sa.Column('category_name', sa.String(length=200), nullable=False),
        sa.Column('projects', sa.Integer(), nullable=False),
        sa.Column('amount_fen', FEN, nullable=False),
        sa.Column('paid_fen', FEN, nullable=False),
        sa.PrimaryKeyConstraint('year', 'county_code', 'category_code',
                                name=op.f('pk_project_spending_area')),
    )
    op.execute(BACKFILL)
    op.execute(AREA_BACKFILL)


def downgrade():
    op.drop_table('project_spending_area')
    op.drop_table('project_spending')

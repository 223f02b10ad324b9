"""monthly_report: the dashboards' monthly reports per county and for the city

Revision ID: 0025
Revises: 0022
Create Date: 2026-11-28 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'monthly_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=9), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('figures_json', sa.Text(), nullable=False),
        sa.Column('pdf_name', sa.String(length=120), nullable=False),
        sa.Column('xlsx_name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'],
                                name='fk_monthly_report_created_by_user_id_user'),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'],
                                name='fk_monthly_report_region_code_region'),
        sa.PrimaryKeyConstraint('id', name='pk_monthly_report'),
        sa.UniqueConstraint('region_code', 'month', name='uq_monthly_report_region_code_month'),
    )


def downgrade():
    op.drop_table('monthly_report')

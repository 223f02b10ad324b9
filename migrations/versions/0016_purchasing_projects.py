"""purchasing: purchased-service projects, milestones, payments and 绩效评价 (issue 12, B)

Revision ID: 0016proj
Revises: 0015dir
Create Date: 2026-11-27 17:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016proj'
down_revision = '0015dir'
branch_labels = None
depends_on = None

FEN = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'purchased_service_project',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=9), nullable=False),
        sa.Column('county_code', sa.String(length=9), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=20), nullable=False),
        sa.Column('item_name', sa.String(length=200), nullable=False),
        sa.Column('category_code', sa.String(length=20), nullable=False),
        sa.Column('category_name', sa.String(length=200), nullable=False),
        sa.Column('purchaser', sa.String(length=200), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('procurement_method', sa.String(length=30), nullable=False),
        sa.Column('contract_no', sa.String(length=60), nullable=False),
        sa.Column('amount_fen', FEN, nullable=False),
        sa.Column('paid_fen', FEN, nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('term_reason', sa.Text(), nullable=False),
        sa.Column('deliverables', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('evaluation_grade', sa.String(length=12), nullable=True),
        sa.Column('evaluation_tenths', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_fen > 0',
                           name=op.f('ck_purchased_service_project_project_amount_positive')),
        sa.CheckConstraint('paid_fen >= 0 AND paid_fen <= amount_fen',
                           name=op.f('ck_purchased_service_project_project_paid_within')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_purchased_service_project_created_by_id_user')),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['directory_edition.id'],
            name=op.f('fk_purchased_service_project_edition_id_directory_edition')),
        sa.ForeignKeyConstraint(
            ['item_id'], ['directory_item.id'],
            name=op.f('fk_purchased_service_project_item_id_directory_item')),
        sa.ForeignKeyConstraint(
            ['provider_id'], ['organization.id'],
            name=op.f('fk_purchased_service_project_provider_id_organization')),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'],
                                name=op.f('fk_purchased_service_project_region_code_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_purchased_service_project')),
    )
    op.create_index('ix_project_region_id', 'purchased_service_project', ['region_code', 'id'])
    op.create_index('ix_project_spending', 'purchased_service_project',
                    ['year', 'county_code', 'category_code', 'provider_id'])
    op.create_index('ix_project_provider_id', 'purchased_service_project', ['provider_id', 'id'])
    op.create_index('ix_project_item_code', 'purchased_service_project',
                    ['item_code', 'provider_id'])
    op.create_index('ix_project_status_id', 'purchased_service_project', ['status', 'id'])

    op.create_table(
        'project_milestone',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=9), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ['project_id'], ['purchased_service_project.id'],
            name=op.f('fk_project_milestone_project_id_purchased_service_project')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestone')),
    )
    op.create_index(op.f('ix_project_milestone_project_id'), 'project_milestone',
                    ['project_id'])

    op.create_table(
        'project_payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=9), nullable=False),
        sa.Column('amount_fen', FEN, nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('voucher_no', sa.String(length=100), nullable=False),
        sa.Column('paid_after_fen', FEN, nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_fen > 0',
                           name=op.f('ck_project_payment_payment_amount_positive')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_project_payment_created_by_id_user')),
        sa.ForeignKeyConstraint(
            ['project_id'], ['purchased_service_project.id'],
            name=op.f('fk_project_payment_project_id_purchased_service_project')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_payment')),
    )
    op.create_index(op.f('ix_project_payment_project_id'), 'project_payment', ['project_id'])

    op.create_table(
        'project_evaluation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=9), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('total_tenths', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=12), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('evaluated_on', sa.Date(), nullable=False),
        sa.Column('evaluated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['evaluated_by_id'], ['user.id'],
                                name=op.f('fk_project_evaluation_evaluated_by_id_user')),
        sa.ForeignKeyConstraint(
            ['project_id'], ['purchased_service_project.id'],
            name=op.f('fk_project_evaluation_project_id_purchased_service_project')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_evaluation')),
    )
    op.create_index(op.f('ix_project_evaluation_project_id'), 'project_evaluation',
                    ['project_id'])


def downgrade():
    op.drop_index(op.f('ix_project_evaluation_project_id'), table_name='project_evaluation')
    op.drop_table('project_evaluation')
    op.drop_index(op.f('ix_project_payment_project_id'), table_name='project_payment')
    op.drop_table('project_payment')
    op.drop_index(op.f('ix_project_milestone_project_id'), table_name='project_milestone')
    op.drop_table('project_milestone')
    for name in ('ix_project_status_id', 'ix_project_item_code', 'ix_project_provider_id',
                 'ix_project_spending', 'ix_project_region_id'):
        op.drop_index(name, table_name='purchased_service_project')
    op.drop_table('purchased_service_project')

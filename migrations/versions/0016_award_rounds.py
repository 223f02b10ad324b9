"""purchasing: 以奖代补 award rounds, criteria, tiers, applications, scores, evidence,
objections and organizations' administrative penalties (issue 12, engineer C)

Revision ID: 0016award
Revises: 0015dir
Create Date: 2026-11-27 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016award'
down_revision = '0015dir'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_award_round_created_by_user')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_award_round_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_round'))
    )
    with op.batch_alter_table('award_round', schema=None) as batch_op:
        batch_op.create_index('ix_award_round_status_year', ['status', 'year'], unique=False)

    op.create_table('award_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('applicant_kind', sa.String(length=12), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('work_from', sa.Date(), nullable=False),
    sa.Column('work_to', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total_centi', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('scored_by', sa.Integer(), nullable=True),
    sa.Column('scored_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('publicized_at', sa.DateTime(), nullable=True),
    sa.Column('publicized_until', sa.DateTime(), nullable=True),
    sa.Column('paid_fen', sa.Integer(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('voucher_no', sa.String(length=50), nullable=False),
    sa.Column('paid_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['user.id'], name=op.f('fk_award_application_approved_by_user')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_award_application_organization_id_organization')),
    sa.ForeignKeyConstraint(['paid_by'], ['user.id'], name=op.f('fk_award_application_paid_by_user')),
    sa.ForeignKeyConstraint(['round_id'], ['award_round.id'], name=op.f('fk_award_application_round_id_award_round')),
    sa.ForeignKeyConstraint(['scored_by'], ['user.id'], name=op.f('fk_award_application_scored_by_user')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_award_application_station_id_station')),
    sa.ForeignKeyConstraint(['submitted_by'], ['user.id'], name=op.f('fk_award_application_submitted_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_application'))
    )
    with op.batch_alter_table('award_application', schema=None) as batch_op:
        batch_op.create_index('ix_award_application_org', ['organization_id', 'status'], unique=False)
        batch_op.create_index('ix_award_application_region_id', ['region_code', 'id'], unique=False)
        batch_op.create_index('ix_award_application_round_status', ['round_id', 'status'], unique=False)
        batch_op.create_index('ix_award_application_station', ['station_id', 'status'], unique=False)
        batch_op.create_index('ix_award_application_status_id', ['status', 'id'], unique=False)

    op.create_table('award_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['award_round.id'], name=op.f('fk_award_criterion_round_id_award_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_criterion'))
    )
    with op.batch_alter_table('award_criterion', schema=None) as batch_op:
        batch_op.create_index('ix_award_criterion_round', ['round_id', 'position'], unique=False)

    op.create_table('award_tier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['award_round.id'], name=op.f('fk_award_tier_round_id_award_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_tier'))
    )
    with op.batch_alter_table('award_tier', schema=None) as batch_op:
        batch_op.create_index('ix_award_tier_round', ['round_id', 'min_score'], unique=False)

    op.create_table('org_penalty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decision_no', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_org_penalty_organization_id_organization')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_org_penalty_recorded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_penalty'))
    )
    with op.batch_alter_table('org_penalty', schema=None) as batch_op:
        batch_op.create_index('ix_org_penalty_org_decided', ['organization_id', 'decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_penalty_region_code'), ['region_code'], unique=False)

    op.create_table('award_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['award_application.id'], name=op.f('fk_award_evidence_application_id_award_application')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['user.id'], name=op.f('fk_award_evidence_uploaded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_evidence'))
    )
    with op.batch_alter_table('award_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_award_evidence_application', ['application_id'], unique=False)

    op.create_table('award_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['award_application.id'], name=op.f('fk_award_objection_application_id_award_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_objection'))
    )
    with op.batch_alter_table('award_objection', schema=None) as batch_op:
        batch_op.create_index('ix_award_objection_application', ['application_id'], unique=False)

    op.create_table('award_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['award_application.id'], name=op.f('fk_award_score_application_id_award_application')),
    sa.ForeignKeyConstraint(['criterion_id'], ['award_criterion.id'], name=op.f('fk_award_score_criterion_id_award_criterion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_score')),
    sa.UniqueConstraint('application_id', 'criterion_id', name='uq_award_score_application_criterion')
    )


def downgrade():
    op.drop_table('award_score')
    with op.batch_alter_table('award_objection', schema=None) as batch_op:
        batch_op.drop_index('ix_award_objection_application')

    op.drop_table('award_objection')
    with op.batch_alter_table('award_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_award_evidence_application')

    op.drop_table('award_evidence')
    with op.batch_alter_table('org_penalty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_penalty_region_code'))
        batch_op.drop_index('ix_org_penalty_org_decided')

    op.drop_table('org_penalty')
    with op.batch_alter_table('award_tier', schema=None) as batch_op:
        batch_op.drop_index('ix_award_tier_round')

    op.drop_table('award_tier')
    with op.batch_alter_table('award_criterion', schema=None) as batch_op:
        batch_op.drop_index('ix_award_criterion_round')

    op.drop_table('award_criterion')
    with op.batch_alter_table('award_application', schema=None) as batch_op:
        batch_op.drop_index('ix_award_application_status_id')
        batch_op.drop_index('ix_award_application_station')
        batch_op.drop_index('ix_award_application_round_status')
        batch_op.drop_index('ix_award_application_region_id')
        batch_op.drop_index('ix_award_application_org')

    op.drop_table('award_application')
    with op.batch_alter_table('award_round', schema=None) as batch_op:
        batch_op.drop_index('ix_award_round_status_year')

    op.drop_table('award_round')

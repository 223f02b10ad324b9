"""incentives: reports (举报奖励), the moral bank (rules, deeds, objections), benefits (公益反哺) and claims

Revision ID: 0012reports
Revises: 0011
Create Date: 2026-11-27 13:27:47.891561

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012reports'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('benefit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_code', sa.String(length=9), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('min_star', sa.Integer(), nullable=False),
    sa.Column('min_hours', sa.Integer(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('provider_user_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('claimed >= 0 AND claimed <= quota', name=op.f('ck_benefit_claimed_within_quota')),
    sa.CheckConstraint('min_star >= 0 AND min_star <= 5 AND min_hours >= 0', name=op.f('ck_benefit_levels_valid')),
    sa.ForeignKeyConstraint(['city_code'], ['region.code'], name=op.f('fk_benefit_city_code_region')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_benefit_created_by_user')),
    sa.ForeignKeyConstraint(['provider_user_id'], ['user.id'], name=op.f('fk_benefit_provider_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit'))
    )
    with op.batch_alter_table('benefit', schema=None) as batch_op:
        batch_op.create_index('ix_benefit_city_id', ['city_code', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_provider_user_id'), ['provider_user_id'], unique=False)

    op.create_table('moral_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=9), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('deed', sa.String(length=100), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_moral_rule_points_positive')),
    sa.ForeignKeyConstraint(['county_code'], ['region.code'], name=op.f('fk_moral_rule_county_code_region')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_moral_rule_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moral_rule'))
    )
    with op.batch_alter_table('moral_rule', schema=None) as batch_op:
        batch_op.create_index('ix_moral_rule_county_category', ['county_code', 'category', 'id'], unique=False)

    op.create_table('benefit_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('benefit_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefit.id'], name=op.f('fk_benefit_claim_benefit_id_benefit')),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user.id'], name=op.f('fk_benefit_claim_confirmed_by_user')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_benefit_claim_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_claim')),
    sa.UniqueConstraint('benefit_id', 'volunteer_id', name='uq_benefit_claim_once'),
    sa.UniqueConstraint('code', name=op.f('uq_benefit_claim_code'))
    )
    with op.batch_alter_table('benefit_claim', schema=None) as batch_op:
        batch_op.create_index('ix_benefit_claim_volunteer_id', ['volunteer_id', 'id'], unique=False)

    op.create_table('deed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('deed_date', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('photo_name', sa.String(length=64), nullable=False),
    sa.Column('photo_type', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('publicized_until', sa.DateTime(), nullable=True),
    sa.Column('credited_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_deed_points_positive')),
    sa.ForeignKeyConstraint(['approved_by'], ['user.id'], name=op.f('fk_deed_approved_by_user')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_deed_recorded_by_user')),
    sa.ForeignKeyConstraint(['rule_id'], ['moral_rule.id'], name=op.f('fk_deed_rule_id_moral_rule')),
    sa.ForeignKeyConstraint(['township_code'], ['region.code'], name=op.f('fk_deed_township_code_region')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_deed_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deed'))
    )
    with op.batch_alter_table('deed', schema=None) as batch_op:
        batch_op.create_index('ix_deed_status_until', ['status', 'publicized_until'], unique=False)
        batch_op.create_index('ix_deed_township_id', ['township_code', 'id'], unique=False)
        batch_op.create_index('ix_deed_volunteer_date', ['volunteer_id', 'deed_date'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reported_party', sa.String(length=200), nullable=False),
    sa.Column('reported_organization_id', sa.Integer(), nullable=True),
    sa.Column('photo_name', sa.String(length=64), nullable=False),
    sa.Column('photo_type', sa.String(length=30), nullable=False),
    sa.Column('contact_encrypted', sa.Text(), nullable=False),
    sa.Column('contact_masked', sa.String(length=40), nullable=False),
    sa.Column('reporter_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('outcome_comment', sa.Text(), nullable=False),
    sa.Column('reward_points', sa.Integer(), nullable=False),
    sa.Column('reward_fen', sa.Integer(), nullable=False),
    sa.Column('reward_status', sa.String(length=20), nullable=False),
    sa.Column('reward_note', sa.String(length=200), nullable=False),
    sa.Column('claimant_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('reward_points >= 0 AND reward_fen >= 0', name=op.f('ck_report_reward_not_negative')),
    sa.ForeignKeyConstraint(['claimant_user_id'], ['user.id'], name=op.f('fk_report_claimant_user_id_user')),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], name=op.f('fk_report_decided_by_user')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['report.id'], name=op.f('fk_report_duplicate_of_id_report')),
    sa.ForeignKeyConstraint(['reported_organization_id'], ['organization.id'], name=op.f('fk_report_reported_organization_id_organization')),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['user.id'], name=op.f('fk_report_reporter_user_id_user')),
    sa.ForeignKeyConstraint(['township_code'], ['region.code'], name=op.f('fk_report_township_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_report_tracking_code'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_category_township', ['category', 'township_code', 'id'], unique=False)
        batch_op.create_index('ix_report_status_township', ['status', 'township_code', 'id'], unique=False)
        batch_op.create_index('ix_report_township_id', ['township_code', 'id'], unique=False)

    op.create_table('deed_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deed_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deed_id'], ['deed.id'], name=op.f('fk_deed_objection_deed_id_deed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deed_objection'))
    )
    with op.batch_alter_table('deed_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deed_objection_deed_id'), ['deed_id'], unique=False)




def downgrade():

    with op.batch_alter_table('deed_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deed_objection_deed_id'))

    op.drop_table('deed_objection')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_township_id')
        batch_op.drop_index('ix_report_status_township')
        batch_op.drop_index('ix_report_category_township')

    op.drop_table('report')
    with op.batch_alter_table('deed', schema=None) as batch_op:
        batch_op.drop_index('ix_deed_volunteer_date')
        batch_op.drop_index('ix_deed_township_id')
        batch_op.drop_index('ix_deed_status_until')

    op.drop_table('deed')
    with op.batch_alter_table('benefit_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_claim_volunteer_id')

    op.drop_table('benefit_claim')
    with op.batch_alter_table('moral_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_moral_rule_county_category')

    op.drop_table('moral_rule')
    with op.batch_alter_table('benefit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_provider_user_id'))
        batch_op.drop_index('ix_benefit_city_id')

    op.drop_table('benefit')


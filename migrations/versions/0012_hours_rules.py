"""honest hours: walk-in reasons on service records, four-eyes reviews, the daily cap's index

Revision ID: 0012hours
Revises: 0011
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012hours'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_in_reason', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_service_record_volunteer_started',
                              ['volunteer_id', 'started_at'], unique=False)
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.alter_column('walk_in_reason', server_default=None)

    op.create_table('service_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('correction_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('delta_minutes', sa.Integer(), nullable=False),
    sa.Column('delta_points', sa.Integer(), nullable=False),
    sa.Column('grounds', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_service_review_activity_id_activity')),
    sa.ForeignKeyConstraint(['correction_id'], ['service_correction.id'], name=op.f('fk_service_review_correction_id_service_correction')),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], name=op.f('fk_service_review_decided_by_user')),
    sa.ForeignKeyConstraint(['record_id'], ['service_record.id'], name=op.f('fk_service_review_record_id_service_record')),
    sa.ForeignKeyConstraint(['requested_by'], ['user.id'], name=op.f('fk_service_review_requested_by_user')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_service_review_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_review')),
    sa.UniqueConstraint('correction_id', name=op.f('uq_service_review_correction_id'))
    )
    with op.batch_alter_table('service_review', schema=None) as batch_op:
        batch_op.create_index('ix_service_review_record', ['record_id', 'id'], unique=False)
        batch_op.create_index('ix_service_review_township_status',
                              ['township_code', 'status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('service_review', schema=None) as batch_op:
        batch_op.drop_index('ix_service_review_township_status')
        batch_op.drop_index('ix_service_review_record')
    op.drop_table('service_review')
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_index('ix_service_record_volunteer_started')
        batch_op.drop_column('walk_in_reason')

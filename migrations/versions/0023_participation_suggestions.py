"""participation: the 社情民意 suggestion table

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 08:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'suggestion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tracking_code', sa.String(length=12), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('township_code', sa.String(length=9), nullable=False),
        sa.Column('handler_code', sa.String(length=9), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('photo_name', sa.String(length=64), nullable=False),
        sa.Column('photo_type', sa.String(length=30), nullable=False),
        sa.Column('contact_encrypted', sa.Text(), nullable=False),
        sa.Column('contact_masked', sa.String(length=40), nullable=False),
        sa.Column('poster_user_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_by', sa.Integer(), nullable=True),
        sa.Column('first_answered_at', sa.DateTime(), nullable=True),
        sa.Column('answer_seconds', sa.Integer(), nullable=True),
        sa.Column('answered_in_time', sa.Boolean(), nullable=True),
        sa.Column('forwarded_count', sa.Integer(), nullable=False),
        sa.Column('rating', sa.String(length=20), nullable=True),
        sa.Column('rating_reason', sa.Text(), nullable=False),
        sa.Column('rated_at', sa.DateTime(), nullable=True),
        sa.Column('reopen_count', sa.Integer(), nullable=False),
        sa.Column('reopened_at', sa.DateTime(), nullable=True),
        sa.Column('overdue_notified_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['township_code'], ['region.code'],
                                name='fk_suggestion_township_code_region'),
        sa.ForeignKeyConstraint(['handler_code'], ['region.code'],
                                name='fk_suggestion_handler_code_region'),
        sa.ForeignKeyConstraint(['poster_user_id'], ['user.id'],
                                name='fk_suggestion_poster_user_id_user'),
        sa.ForeignKeyConstraint(['answered_by'], ['user.id'],
                                name='fk_suggestion_answered_by_user'),
        sa.PrimaryKeyConstraint('id', name='pk_suggestion'),
        sa.UniqueConstraint('tracking_code', name='uq_suggestion_tracking_code'),
    )
    op.create_index('ix_suggestion_township_created', 'suggestion',
                    ['township_code', 'created_at'])
    op.create_index('ix_suggestion_status_due', 'suggestion', ['status', 'due_on'])
    op.create_index('ix_suggestion_handler_id', 'suggestion', ['handler_code', 'id'])
    op.create_index('ix_suggestion_public', 'suggestion', ['status', 'township_code', 'id'])


def downgrade():
    op.drop_index('ix_suggestion_public', table_name='suggestion')
    op.drop_index('ix_suggestion_handler_id', table_name='suggestion')
    op.drop_index('ix_suggestion_status_due', table_name='suggestion')
    op.drop_index('ix_suggestion_township_created', table_name='suggestion')
    op.drop_table('suggestion')

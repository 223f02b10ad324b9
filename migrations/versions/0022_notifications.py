"""notifications: the message centre's table

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_notification_user_id_user'),
        sa.PrimaryKeyConstraint('id', name='pk_notification'),
    )
    op.create_index('ix_notification_user_unread', 'notification',
                    ['user_id', 'read_at', 'id'])
    op.create_index('ix_notification_code', 'notification', ['code_hash', 'id'])


def downgrade():
    op.drop_index('ix_notification_code', table_name='notification')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_table('notification')

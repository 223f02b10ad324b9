"""purchasing: the guidance directory's editions and items (issue 12)

Revision ID: 0012dir
Revises: 0011
Create Date: 2026-11-27 14:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012dir'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'directory_edition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('region_code', sa.String(length=9), nullable=False),
        sa.Column('copied_from_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('published_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['copied_from_id'], ['directory_edition.id'],
                                name=op.f('fk_directory_edition_copied_from_id_directory_edition')),
        sa.ForeignKeyConstraint(['published_by'], ['user.id'],
                                name=op.f('fk_directory_edition_published_by_user')),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'],
                                name=op.f('fk_directory_edition_region_code_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_edition')),
        sa.UniqueConstraint('year', name=op.f('uq_directory_edition_year')),
    )
    op.create_index(op.f('ix_directory_edition_status'), 'directory_edition', ['status'])
    op.create_table(
        'directory_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('purchasing_department', sa.String(length=200), nullable=False),
        sa.Column('requirements', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['edition_id'], ['directory_edition.id'],
                                name=op.f('fk_directory_item_edition_id_directory_edition')),
        sa.ForeignKeyConstraint(['parent_id'], ['directory_item.id'],
                                name=op.f('fk_directory_item_parent_id_directory_item')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_item')),
        sa.UniqueConstraint('edition_id', 'code', name='uq_directory_item_edition_code'),
    )
    op.create_index('ix_directory_item_edition_parent', 'directory_item',
                    ['edition_id', 'parent_id', 'position'])


def downgrade():
    op.drop_index('ix_directory_item_edition_parent', table_name='directory_item')
    op.drop_table('directory_item')
    op.drop_index(op.f('ix_directory_edition_status'), table_name='directory_edition')
    op.drop_table('directory_edition')

"""incentives: points stores, items, restocks, redemptions, households and their pools;
CHECK balance >= 0 on points balances; the ledger's (volunteer_id, created_at) index for expiry

Revision ID: 0012store
Revises: 0011
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012store'
down_revision = '0011'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('points_store',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('opening_hours', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_points_store_station_id_station')),
    sa.ForeignKeyConstraint(['township_code'], ['region.code'], name=op.f('fk_points_store_township_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_store')),
    sa.UniqueConstraint('station_id', name=op.f('uq_points_store_station_id'))
    )
    with op.batch_alter_table('points_store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_store_township_code'), ['township_code'], unique=False)

    op.create_table('store_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('points_price', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('points_price > 0', name=op.f('ck_store_item_points_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_store_item_stock_not_negative')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_store_item_created_by_user')),
    sa.ForeignKeyConstraint(['store_id'], ['points_store.id'], name=op.f('fk_store_item_store_id_points_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_item'))
    )
    with op.batch_alter_table('store_item', schema=None) as batch_op:
        batch_op.create_index('ix_store_item_store_id_id', ['store_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_store_item_township_code'), ['township_code'], unique=False)

    op.create_table('store_restock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('stock_after', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_store_restock_quantity_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_store_restock_created_by_user')),
    sa.ForeignKeyConstraint(['item_id'], ['store_item.id'], name=op.f('fk_store_restock_item_id_store_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_restock'))
    )
    with op.batch_alter_table('store_restock', schema=None) as batch_op:
        batch_op.create_index('ix_store_restock_item_id_id', ['item_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_store_restock_township_code'), ['township_code'], unique=False)

    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('head_volunteer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_household_created_by_user')),
    sa.ForeignKeyConstraint(['head_volunteer_id'], ['volunteer.id'], name=op.f('fk_household_head_volunteer_id_volunteer')),
    sa.ForeignKeyConstraint(['township_code'], ['region.code'], name=op.f('fk_household_township_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_township_id', ['township_code', 'id'], unique=False)

    op.create_table('household_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_member_household_id_household')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_household_member_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_member'))
    )
    with op.batch_alter_table('household_member', schema=None) as batch_op:
        batch_op.create_index('ix_household_member_household_id', ['household_id', 'id'], unique=False)
        # One current household per person (rows of members who left are kept).
        batch_op.create_index('uq_household_member_current', ['volunteer_id'], unique=True,
                              sqlite_where=sa.text('left_at IS NULL'),
                              postgresql_where=sa.text('left_at IS NULL'))

    op.create_table('household_balance',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('earned', sa.Integer(), nullable=False),
    sa.Column('spent', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_household_balance_balance_not_negative')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_balance_household_id_household')),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_balance'))
    )
    op.create_table('household_points_entry',
    sa.Column('id', BIGINT, nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_household_points_entry_created_by_user')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_points_entry_household_id_household')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_household_points_entry_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_points_entry')),
    sa.UniqueConstraint('kind', 'ref', name='uq_household_points_entry_kind_ref')
    )
    with op.batch_alter_table('household_points_entry', schema=None) as batch_op:
        batch_op.create_index('ix_household_points_entry_household_id', ['household_id', 'id'], unique=False)
        batch_op.create_index('ix_household_points_entry_household_id_created_at', ['household_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_points_entry_township_code'), ['township_code'], unique=False)

    op.create_table('redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('store_township_code', sa.String(length=9), nullable=False),
    sa.Column('payer_township_code', sa.String(length=9), nullable=False),
    sa.Column('item_name', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(), nullable=True),
    sa.Column('fulfilled_by', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_redemption_points_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_redemption_quantity_positive')),
    sa.ForeignKeyConstraint(['cancelled_by'], ['user.id'], name=op.f('fk_redemption_cancelled_by_user')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_redemption_created_by_user')),
    sa.ForeignKeyConstraint(['fulfilled_by'], ['user.id'], name=op.f('fk_redemption_fulfilled_by_user')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_redemption_household_id_household')),
    sa.ForeignKeyConstraint(['item_id'], ['store_item.id'], name=op.f('fk_redemption_item_id_store_item')),
    sa.ForeignKeyConstraint(['store_id'], ['points_store.id'], name=op.f('fk_redemption_store_id_points_store')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_redemption_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemption'))
    )
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.create_index('ix_redemption_created_at_towns', ['created_at', 'store_township_code', 'payer_township_code'], unique=False)
        batch_op.create_index('ix_redemption_store_township_id', ['store_township_code', 'id'], unique=False)
        batch_op.create_index('ix_redemption_volunteer_id_id', ['volunteer_id', 'id'], unique=False)

    # The balance can never go below zero, whatever writes it (SQLite rebuilds the table).
    with op.batch_alter_table('points_balance', schema=None) as batch_op:
        batch_op.create_check_constraint('balance_not_negative', 'balance >= 0')
    with op.batch_alter_table('points_ledger_entry', schema=None) as batch_op:
        batch_op.create_index('ix_points_ledger_entry_volunteer_id_created_at', ['volunteer_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('points_ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_points_ledger_entry_volunteer_id_created_at')
    with op.batch_alter_table('points_balance', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_points_balance_balance_not_negative'), type_='check')
    op.drop_table('redemption')
    op.drop_table('household_points_entry')
    op.drop_table('household_balance')
    op.drop_table('household_member')
    op.drop_table('household')
    op.drop_table('store_restock')
    op.drop_table('store_item')
    op.drop_table('points_store')

"""activities say whether they suit minors (适合未成年人参加) and keep practical notes apart
from their content (参加须知)

Revision ID: 0012minors
Revises: 0011
Create Date: 2026-11-28 09:00:00

Existing activities get the rule's default (registry/activities/minors.py with the default
settings of config.py): no when their hours touch 22:00–06:00 Beijing time or their category is
应急救援, yes otherwise. The rule is written out here rather than imported, so that this
migration keeps doing what it did when the code changes.
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012minors'
down_revision = '0011'
branch_labels = None
depends_on = None

BEIJING = timedelta(hours=8)  # stored times are naive UTC; China has no summer time
NIGHT_START, NIGHT_END = 22, 6
RISKY = ("emergency",)
BATCH = 500


def _touches_night(starts, ends) -> bool:
    start, end = starts + BEIJING, ends + BEIJING
    if end - start >= timedelta(days=1):
        return True
    day = start.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    while day <= end:
        night_from = day + timedelta(hours=NIGHT_START)
        night_to = day + timedelta(days=1, hours=NIGHT_END)
        if start < night_to and end > night_from:
            return True
        day += timedelta(days=1)
    return False


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('suitable_for_minors', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    activity = sa.table('activity', sa.column('id', sa.Integer),
                        sa.column('category', sa.String), sa.column('starts_at', sa.DateTime),
                        sa.column('ends_at', sa.DateTime),
                        sa.column('suitable_for_minors', sa.Boolean))
    conn = op.get_bind()
    conn.execute(activity.update().where(activity.c.category.in_(RISKY))
                 .values(suitable_for_minors=False))
    # The night test per row, walking the table by id in batches (never all rows at once).
    last = 0
    while True:
        rows = conn.execute(
            sa.select(activity.c.id, activity.c.starts_at, activity.c.ends_at)
            .where(activity.c.id > last, activity.c.suitable_for_minors == sa.true())
            .order_by(activity.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        night = [row.id for row in rows if _touches_night(row.starts_at, row.ends_at)]
        if night:
            conn.execute(activity.update().where(activity.c.id.in_(night))
                         .values(suitable_for_minors=False))


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('suitable_for_minors')
        batch_op.drop_column('notice')

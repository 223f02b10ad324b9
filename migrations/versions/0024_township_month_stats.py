"""township_month_stats: volunteers, activities and service minutes per township and month

Created, then backfilled from the rows as township_counters.bump() counts them: an active
volunteer in the Beijing month of their approval (else registration), a published or closed
activity and the minutes of its counting service records and corrections (not waiting for or
refused a second approval) in the Beijing month the activity starts.

Revision ID: 0024
Revises: 0022
Create Date: 2026-11-28 08:25:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None


def _month(column: str) -> str:
    """SQL for the Beijing month (YYYYMM) of a naive-UTC column."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(to_char({column} + interval '8 hours', 'YYYYMM') AS INTEGER)"
    return f"CAST(strftime('%Y%m', {column}, '+8 hours') AS INTEGER)"


def upgrade():
    op.create_table(
        'township_month_stats',
        sa.Column('township_code', sa.String(length=9), nullable=False),
        sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('volunteers', sa.Integer(), nullable=False),
        sa.Column('activities', sa.Integer(), nullable=False),
        sa.Column('service_minutes', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.PrimaryKeyConstraint('township_code', 'month', name='pk_township_month_stats'),
    )
    op.create_index('ix_township_month_stats_month', 'township_month_stats',
                    ['month', 'township_code'], unique=False)
    approved = _month("COALESCE(v.approved_at, v.created_at)")
    starts = _month("a.starts_at")
    op.execute(f"""
        INSERT INTO township_month_stats
            (township_code, month, volunteers, activities, service_minutes)
        SELECT township_code, month, SUM(volunteers), SUM(activities), SUM(minutes)
        FROM (
            SELECT v.township_code AS township_code, {approved} AS month,
                   COUNT(*) AS volunteers, 0 AS activities, 0 AS minutes
            FROM volunteer v WHERE v.status = 'active'
            GROUP BY v.township_code, {approved}
            UNION ALL
            SELECT a.township_code, {starts}, 0, COUNT(*), 0
            FROM activity a WHERE a.status IN ('published', 'closed')
            GROUP BY a.township_code, {starts}
            UNION ALL
            SELECT a.township_code, {starts}, 0, 0, SUM(r.minutes)
            FROM service_record r JOIN activity a ON a.id = r.activity_id
            WHERE NOT EXISTS (SELECT 1 FROM service_review w
                              WHERE w.record_id = r.id AND w.correction_id IS NULL
                                AND w.status <> 'approved')
            GROUP BY a.township_code, {starts}
            UNION ALL
            SELECT a.township_code, {starts}, 0, 0, SUM(c.delta_minutes)
            FROM service_correction c JOIN service_record r ON r.id = c.record_id
                 JOIN activity a ON a.id = r.activity_id
            WHERE NOT EXISTS (SELECT 1 FROM service_review w
                              WHERE w.correction_id = c.id AND w.status <> 'approved')
            GROUP BY a.township_code, {starts}
        ) AS counted
        GROUP BY township_code, month
    """)


def downgrade():
    op.drop_index('ix_township_month_stats_month', table_name='township_month_stats')
    op.drop_table('township_month_stats')

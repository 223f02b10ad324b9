"""indexes for the back office and list pages at city size (issue 9)

Every list filter and search has an index that serves it together with the newest-first order:
volunteers by jurisdiction (index-only walk), by name prefix within a jurisdiction and by
source; the audit log by actor name, object type and action; prefix search (LIKE 'x%') on the
back office's searchable columns, with varchar_pattern_ops on PostgreSQL so that it works
whatever the database's collation.

Revision ID: 0009scl
Revises: 0008
Create Date: 2026-11-27 10:45:00
"""
from alembic import op

revision = '0009scl'
down_revision = '0008'
branch_labels = None
depends_on = None

# (name, table, columns, postgresql_ops) for every database.
INDEXES = [
    ('ix_volunteer_id_township', 'volunteer', ['id', 'township_code'], {}),
    ('ix_volunteer_township_name', 'volunteer', ['township_code', 'name', 'id'],
     {'name': 'varchar_pattern_ops'}),
    ('ix_volunteer_source_id', 'volunteer', ['source', 'id'], {}),
    ('ix_audit_entry_actor_name_id', 'audit_entry', ['actor_name', 'id'],
     {'actor_name': 'varchar_pattern_ops'}),
    ('ix_audit_entry_type_id', 'audit_entry', ['object_type', 'id'], {}),
    ('ix_audit_entry_action_id', 'audit_entry', ['action', 'id'], {}),
]
# Prefix-search indexes for PostgreSQL only (SQLite's LIKE has no use for them).
POSTGRESQL_INDEXES = [
    ('ix_user_username_pattern', 'user', 'username'),
    ('ix_user_display_name_pattern', 'user', 'display_name'),
    ('ix_activity_title_pattern', 'activity', 'title'),
]


def upgrade():
    for name, table, columns, ops in INDEXES:
        op.create_index(name, table, columns, unique=False, postgresql_ops=ops)
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, column in POSTGRESQL_INDEXES:
            op.create_index(name, table, [column], unique=False,
                            postgresql_ops={column: 'varchar_pattern_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, _column in POSTGRESQL_INDEXES:
            op.drop_index(name, table_name=table)
    for name, table, _columns, _ops in INDEXES:
        op.drop_index(name, table_name=table)

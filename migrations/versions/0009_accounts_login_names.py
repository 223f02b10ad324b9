"""accounts: one account per login name, failure counters for unknown names

Revision ID: 0009acc
Revises: 0008
Create Date: 2026-11-27 10:50:00

Volunteers used to get the username "v" + their mobile number, and anyone could pick a
username that was someone's mobile number. Now a login that looks like a mobile number means
a volunteer's phone (unique among volunteer accounts), and any other login a username, so each
login names one account. Existing usernames that carry a phone are renamed: a volunteer's to
their volunteer number, any other account's to "user" + its id.
"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009acc'
down_revision = '0008'
branch_labels = None
depends_on = None

PHONE_LIKE = re.compile(r"^(?:\+?86|0086)?-?1[3-9]\d{9}$")
VOLUNTEER_ROLE = "volunteer"


def _new_name(taken: set, preferred: str, fallback: str) -> str:
    for name in (preferred, fallback):
        if name and name not in taken:
            return name
    suffix = 2
    while f"{fallback}-{suffix}" in taken:
        suffix += 1
    return f"{fallback}-{suffix}"


def _rename_usernames_with_phones(conn) -> None:
    users = conn.execute(sa.text('SELECT id, username, role, phone FROM "user"')).all()
    numbers = dict(conn.execute(sa.text(
        "SELECT user_id, volunteer_no FROM volunteer WHERE user_id IS NOT NULL")).all())
    taken = {row.username for row in users}
    for row in users:
        name = row.username.replace("-", "")
        carries_phone = bool(PHONE_LIKE.match(name.removeprefix("v"))) or bool(
            row.phone and row.phone in row.username)
        if not carries_phone:
            continue
        preferred = numbers.get(row.id) if row.role == VOLUNTEER_ROLE else None
        new = _new_name(taken, preferred, f"user{row.id}")
        taken.add(new)
        conn.execute(sa.text('UPDATE "user" SET username = :new WHERE id = :id'),
                     {"new": new, "id": row.id})


def _one_volunteer_account_per_phone(conn) -> None:
    """Two volunteer accounts sharing a number (a past race): the older keeps the phone login;
    the newer logs in with its username (its volunteer number) until staff sort it out."""
    rows = conn.execute(sa.text(
        'SELECT id, phone FROM "user" WHERE role = :role AND phone IS NOT NULL ORDER BY id'),
        {"role": VOLUNTEER_ROLE}).all()
    seen = set()
    for row in rows:
        if row.phone in seen:
            conn.execute(sa.text('UPDATE "user" SET phone = NULL WHERE id = :id'), {"id": row.id})
        seen.add(row.phone)


def upgrade():
    op.create_table('login_failure',
    sa.Column('name_hash', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('failed_window_start', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name_hash', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_locked_until'), ['locked_until'],
                              unique=False)

    conn = op.get_bind()
    _rename_usernames_with_phones(conn)
    _one_volunteer_account_per_phone(conn)
    op.create_index('uq_user_volunteer_phone', 'user', ['phone'], unique=True,
                    sqlite_where=sa.text("role = 'volunteer'"),
                    postgresql_where=sa.text("role = 'volunteer'"))


def downgrade():
    op.drop_index('uq_user_volunteer_phone', table_name='user',
                  sqlite_where=sa.text("role = 'volunteer'"),
                  postgresql_where=sa.text("role = 'volunteer'"))
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_locked_until'))
    op.drop_table('login_failure')

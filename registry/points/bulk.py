"""A large synthetic points ledger for benchmarks (`flask seed-ledger`)."""

from datetime import date

from sqlalchemy import bindparam, func, insert, select, update

from registry import accounts
from registry.bulkload import indexes_rebuilt_after
from registry.clock import utcnow
from registry.crypto import encrypt, lookup_hash
from registry.extensions import db
from registry.masking import mask_id_number
from registry.models import User
from registry.points.models import PointsBalance, PointsLedgerEntry
from registry.volunteers.models import Station, Volunteer

BENCH_VOLUNTEER = "bench-volunteer"
BENCH_PASSWORD = "Bench#Passw0rd"
BATCH = 5000


def bench_volunteer():
    """The bench volunteer and their login (created if missing)."""
    from stdnum.cn import ric


    user = db.session.scalar(select(User).where(User.username == BENCH_VOLUNTEER))
    township = db.session.scalar(select(Station.township_code).order_by(Station.id).limit(1))
    township = township or "511302001"
    if user is None:
        user, _ = accounts.create_user(BENCH_VOLUNTEER, BENCH_PASSWORD, "volunteer", township,
                                       "压测志愿者")
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
    if volunteer is None:
        body = "51130219900101" + "998"
        number = body + ric.calc_check_digit(body + "0")
        volunteer = Volunteer(
            user_id=user.id, volunteer_no="BENCH0000001", name="压测志愿者",
            id_number_encrypted=encrypt(number), id_number_hash=lookup_hash(number),
            id_number_masked=mask_id_number(number), gender="M", birth_date=date(1990, 1, 1),
            phone="19900000000", township_code=township, status="active")
        db.session.add(volunteer)
        db.session.flush()
    return volunteer


COLUMNS = ("volunteer_id", "township_code", "kind", "points", "balance_after", "memo", "ref",
           "created_at")
MEMO = "批量生成的服务积分"


def entry_rows(plan, sums: dict[int, int], tag: str, totals: dict[int, int]):
    """Yield ledger rows (COLUMNS order) for plan [(volunteer id, township, count), ...]:
    earn entries of 5–24 points whose balance_after runs on from the volunteer's current sum;
    totals[volunteer id] gets the points added."""
    now = utcnow()
    for volunteer_id, township, count in plan:
        balance = sums.get(volunteer_id, 0)
        start = balance
        for n in range(count):
            points = 5 + n % 20
            balance += points
            yield (volunteer_id, township, "earn", points, balance, MEMO,
                   f"bench:{tag}:{volunteer_id}:{n}", now)
        totals[volunteer_id] = balance - start


def write_entries(rows, total: int, echo=None) -> int:
    """Load total rows: PostgreSQL COPY (psycopg's cursor.copy, ~5× executemany), else batches of
    executemany. Core inserts: a synthetic ledger is audited once, by the command."""
    echo = echo or (lambda done: None)
    done = 0
    if db.session.get_bind().dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        sql = f"COPY points_ledger_entry ({', '.join(COLUMNS)}) FROM STDIN"
        with indexes_rebuilt_after("points_ledger_entry", total), raw.cursor() as cursor, \
                cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                done += 1
                if done % 1_000_000 == 0:
                    echo(done)
        return done
    chunk = []
    for row in rows:
        chunk.append(dict(zip(COLUMNS, row, strict=True)))
        if len(chunk) >= BATCH:
            db.session.execute(insert(PointsLedgerEntry), chunk)
            done += len(chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(PointsLedgerEntry), chunk)
        done += len(chunk)
    return done


def current_sums(ids: list[int]) -> dict[int, int]:
    """Each volunteer's sum of entries (one grouped query per 10,000 ids)."""
    out: dict[int, int] = {}
    for start in range(0, len(ids), 10_000):
        part = ids[start:start + 10_000]
        out.update(db.session.execute(
            select(PointsLedgerEntry.volunteer_id, func.sum(PointsLedgerEntry.points))
            .where(PointsLedgerEntry.volunteer_id.in_(part))
            .group_by(PointsLedgerEntry.volunteer_id)).all())
    return {vid: int(total) for vid, total in out.items()}


def add_to_balances(totals: dict[int, int]) -> None:
    """Add the earned points to each balance row (created where missing), in batches."""
    table = PointsBalance.__table__
    ids = list(totals)
    existing: set[int] = set()
    for start in range(0, len(ids), 10_000):
        existing.update(db.session.scalars(select(table.c.volunteer_id).where(
            table.c.volunteer_id.in_(ids[start:start + 10_000]))))
    now = utcnow()
    new = [{"volunteer_id": vid, "balance": pts, "earned": pts, "spent": 0, "expired": 0,
            "updated_at": now} for vid, pts in totals.items() if vid not in existing]
    old = [{"vid": vid, "pts": pts} for vid, pts in totals.items() if vid in existing]
    for start in range(0, len(new), BATCH):
        db.session.execute(insert(table), new[start:start + BATCH])
    if old:
        db.session.execute(
            update(table).where(table.c.volunteer_id == bindparam("vid")).values(
                balance=table.c.balance + bindparam("pts"),
                earned=table.c.earned + bindparam("pts"), updated_at=now),
            old, execution_options={"synchronize_session": False})

"""A large synthetic points ledger for benchmarks (`flask seed-ledger`)."""

from datetime import date, timedelta

from sqlalchemy import bindparam, func, insert, select, text, update

from registry import accounts
from registry.bulkload import indexes_rebuilt_after
from registry.clock import utcnow
from registry.crypto import encrypt, lookup_hash
from registry.extensions import db
from registry.masking import mask_id_number
from registry.models import User
from registry.points import earned_months, month_stats
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
# Entries are spread over three years, so that points expiry (24 months by default) has about
# a third of them to expire, as a real ledger would.
SPREAD_DAYS = 3 * 365


def entry_rows(plan, sums: dict[int, int], tag: str, totals: dict[int, int],
               days: int = SPREAD_DAYS):
    """Yield ledger rows (COLUMNS order) for plan [(volunteer id, township, count), ...]:
    earn entries of 5–24 points whose balance_after runs on from the volunteer's current sum,
    spread evenly over the last `days` days, oldest first; totals[volunteer id] gets the
    points added."""
    now = utcnow()
    for volunteer_id, township, count in plan:
        balance = sums.get(volunteer_id, 0)
        start = balance
        step = timedelta(days=days) / max(count, 1)
        for n in range(count):
            points = 5 + n % 20
            balance += points
            yield (volunteer_id, township, "earn", points, balance, MEMO,
                   f"bench:{tag}:{volunteer_id}:{n}", now - step * (count - 1 - n))
        totals[volunteer_id] = balance - start


def points_of(count: int) -> int:
    """What entry_rows credits in count entries: Σ (5 + n mod 20) for n < count."""
    return 5 * count + 190 * (count // 20) + (count % 20) * (count % 20 - 1) // 2


# The same rows as entry_rows, made by PostgreSQL itself: entry n's balance_after is the start
# plus points_of(n + 1), so no row passes through Python (20M rows: ~10× faster than COPY).
_PLAN_ROWS = """
FROM unnest(CAST(:ids AS integer[]), CAST(:townships AS varchar[]), CAST(:counts AS integer[]),
            CAST(:starts AS bigint[])) AS p(volunteer_id, township_code, count, start)
CROSS JOIN LATERAL generate_series(0, p.count - 1) AS n
"""
_CREATED_AT = """(CAST(:now AS timestamp) - (p.count - 1 - n)
                 * (CAST(:days AS double precision) / GREATEST(p.count, 1)) * interval '1 day')"""
INSERT_PLAN = text(f"""
INSERT INTO points_ledger_entry
    (volunteer_id, township_code, kind, points, balance_after, memo, ref, created_at)
SELECT p.volunteer_id, p.township_code, 'earn', 5 + n % 20,
       p.start + 5 * (n + 1) + 190 * ((n + 1) / 20) + ((n + 1) % 20) * ((n + 1) % 20 - 1) / 2,
       :memo, 'bench:' || :tag || ':' || p.volunteer_id || ':' || n, {_CREATED_AT}
{_PLAN_ROWS}""")
# The same rows counted in the monthly summary by their Beijing month (registry/points/
# month_stats.py), again without a row passing through Python.
MONTH_STATS_PLAN = text(f"""
INSERT INTO points_month_stats (township_code, month, issued, redeemed, expired)
SELECT p.township_code,
       CAST(to_char({_CREATED_AT} + interval '8 hours', 'YYYYMM') AS INTEGER),
       SUM(5 + n % 20), 0, 0
{_PLAN_ROWS}
GROUP BY 1, 2
ON CONFLICT (township_code, month)
    DO UPDATE SET issued = points_month_stats.issued + EXCLUDED.issued
""")


def insert_plan_postgresql(plan, sums: dict[int, int], tag: str, totals: dict[int, int]) -> int:
    """PostgreSQL: the entries of plan [(volunteer id, township, count), ...] in one INSERT …
    SELECT into the table with its indexes and foreign keys set aside (bulkload.py), and their
    monthly summary."""
    total = sum(count for _, _, count in plan)
    values = {"ids": [vid for vid, _, _ in plan], "townships": [t for _, t, _ in plan],
              "counts": [c for _, _, c in plan], "starts": [sums.get(v, 0) for v, _, _ in plan],
              "memo": MEMO, "tag": tag, "now": utcnow(), "days": SPREAD_DAYS}
    with indexes_rebuilt_after("points_ledger_entry", total):
        db.session.execute(INSERT_PLAN, values)
    db.session.execute(MONTH_STATS_PLAN, values)
    db.session.execute(earned_months.bulk_plan(_CREATED_AT, _PLAN_ROWS), values)
    totals.update({vid: points_of(count) for vid, _, count in plan})
    return total


def write_entries(rows, total: int) -> int:
    """Load rows with batches of executemany (SQLite and small loads). Core inserts: a
    synthetic ledger is audited once, by the command."""
    done = 0
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


def counted_by_month(rows, tally: dict[tuple[str, int], int]):
    """Pass entry rows through, adding each one's points to tally[(township, Beijing month)]."""
    for row in rows:
        key = (row[1], month_stats.month_of(row[7]))
        tally[key] = tally.get(key, 0) + row[3]
        yield row


def add_to_month_stats(tally: dict[tuple[str, int], int]) -> None:
    """Count what counted_by_month saw in the monthly summary (the SQLite and small path)."""
    for (township, month), points in sorted(tally.items()):
        month_stats.bump(township, month, issued=points)

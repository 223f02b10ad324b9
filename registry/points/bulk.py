"""A large synthetic points ledger for benchmarks (`flask seed-ledger`)."""

from datetime import date

from sqlalchemy import insert, select

from registry import accounts
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


def bulk_entries(volunteer_id: int, township: str, count: int, start_balance: int,
                  tag: str) -> tuple[int, int]:
    """Insert count earn entries for one volunteer; returns (balance, earned added)."""
    balance, earned, rows = start_balance, 0, []
    now = utcnow()
    for n in range(count):
        points = 5 + n % 20
        balance += points
        earned += points
        rows.append({"volunteer_id": volunteer_id, "township_code": township, "kind": "earn",
                     "points": points, "balance_after": balance, "memo": "批量生成的服务积分",
                     "ref": f"bench:{tag}:{volunteer_id}:{n}", "created_at": now})
        if len(rows) >= BATCH:
            db.session.execute(insert(PointsLedgerEntry), rows)
            rows = []
    if rows:
        db.session.execute(insert(PointsLedgerEntry), rows)
    return balance, earned


def set_balance(volunteer_id: int, balance: int, earned: int) -> None:
    row = db.session.get(PointsBalance, volunteer_id)
    if row is None:
        db.session.execute(insert(PointsBalance).values(
            volunteer_id=volunteer_id, balance=balance, earned=earned, spent=0, expired=0,
            updated_at=utcnow()))
    else:
        db.session.execute(PointsBalance.__table__.update().where(
            PointsBalance.__table__.c.volunteer_id == volunteer_id).values(
            balance=PointsBalance.__table__.c.balance + (balance - row.balance),
            earned=PointsBalance.__table__.c.earned + earned))
        db.session.expire(row)

"""Synthetic volunteers at city scale, for benchmarks (`flask seed-bulk`, activities/cli.py).

Synthetic volunteers are realistic enough to exercise the indexes: valid ID numbers (GB 11643
check character) assigned in the county of the township they live in, Chinese names drawn
from the common surnames, unique mobile numbers, statuses in realistic proportions, skewed
service minutes. Every ID number is really encrypted with the configured Fernet key (about
13 µs a row, so 1,000,000 rows cost ~13 s of CPU: cheap enough to keep the one scheme) and
has its keyed look-up hash. Bulk rows get no login account (a password hash costs ~0.1–0.4 s
each); staff can open one per volunteer from the volunteer's page.
"""

import functools
import multiprocessing
import os
import random
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from itertools import repeat

import click
from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import func, select

from registry import audit
from registry.bulkload import indexes_rebuilt_after
from registry.clock import to_local, utcnow
from registry.crypto import lookup_hasher
from registry.extensions import db
from registry.masking import mask_id_number
from registry.models import Region
from registry.volunteers import township_counters
from registry.volunteers.models import Volunteer

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文志宏海燕波辉鹏飞云梅琳雪婷"
    "欣怡浩宇子涵梓轩思雨佳琪晨阳博文俊杰嘉怡雨萱家豪一诺欣妍宇航天佑诗涵若曦瑞泽皓然明轩春兰秋菊"
)
PHONE_PREFIXES = ("135", "136", "137", "139", "150", "151", "152", "157", "158", "159", "182",
                  "183", "187", "188", "177", "199")  # 138 is left to the demo accounts
STATUS_WEIGHTS = (("active", 85), ("pending", 8), ("suspended", 5), ("deregistered", 2))
SKILLS = ("", "", "", "医疗救护", "心理疏导", "法律咨询", "文艺表演", "信息技术", "驾驶", "外语",
          "助老服务", "环境保护", "应急救援")
DAYS = 21_000  # birth dates spread over ~57 years, from BIRTH_START
BIRTH_START = date(1950, 1, 1)
SEQUENCES = 900  # sequence codes 000–899; 900–999 are left to hand-made (demo, test) numbers
CHUNK = 20_000  # rows one worker process generates at a time
COLUMNS = ("volunteer_no", "name", "id_number_encrypted", "id_number_hash", "id_number_masked",
           "gender", "birth_date", "phone", "township_code", "status", "skills", "guardian_name",
           "guardian_phone", "guardian_consent_at", "total_minutes", "source", "created_at",
           "approved_at")


# GB 11643: the check character of an ID number is a weighted sum of its 17 digits mod 11.
# Synthetic numbers are county (6) + birth date (8) + sequence (3), so the sum is three parts,
# each summed once per value instead of once per row.
ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
ID_CHECK = "10X98765432"


def _weighted(digits: str, offset: int) -> int:
    return sum(int(d) * w for d, w in zip(digits, ID_WEIGHTS[offset:], strict=False))


class IdNumbers:
    """Synthetic ID numbers: the index-th is in county index mod n, unique for index below
    21,000 days × 900 sequence codes × n counties (170 million for Nanchong's 9)."""

    def __init__(self, county_codes: list[str]):
        self.counties = [(c, _weighted(c, 0)) for c in county_codes]
        births = [BIRTH_START + timedelta(days=(a * 7919) % DAYS) for a in range(DAYS)]
        self.births = [(b, f"{b:%Y%m%d}", _weighted(f"{b:%Y%m%d}", 6)) for b in births]
        self.sequences = [(f"{q:03d}", _weighted(f"{q:03d}", 14)) for q in range(SEQUENCES)]

    def __call__(self, index: int) -> tuple[str, date]:
        county, county_sum = self.counties[index % len(self.counties)]
        rest = index // len(self.counties)
        birth, birth_text, birth_sum = self.births[rest % DAYS]
        seq, seq_sum = self.sequences[(rest // DAYS) % SEQUENCES]
        check = ID_CHECK[(county_sum + birth_sum + seq_sum) % 11]
        return f"{county}{birth_text}{seq}{check}", birth


@functools.lru_cache(maxsize=4)
def _id_numbers(county_codes: tuple[str, ...]) -> IdNumbers:
    return IdNumbers(list(county_codes))


def synthetic_id_number(index: int, county_codes: list[str]) -> tuple[str, date]:
    """The index-th synthetic ID number and its birth date (see IdNumbers)."""
    return _id_numbers(tuple(county_codes))(index)


def synthetic_phone(index: int) -> str:
    """A unique mobile number for each index below 10^8 × prefixes."""
    prefix = PHONE_PREFIXES[index % len(PHONE_PREFIXES)]
    return f"{prefix}{(index // len(PHONE_PREFIXES) * 48271 + 12345) % 10**8:08d}"


def synthetic_rows(start: int, count: int, townships_by_county: dict[str, list[str]],
                   fernet: Fernet, hasher, rng: random.Random, now: datetime):
    """Yield tuples in COLUMNS order for volunteers start … start + count − 1.

    The random choices of a chunk are drawn together (`rng.choices(k=count)`), which costs a
    tenth of one `rng.choice` per value; a million rows are generated on two cores."""
    id_numbers = _id_numbers(tuple(sorted(townships_by_county)))
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    today = now.date()
    draws = zip(rng.choices(statuses, k=count), rng.choices(SKILLS, k=count),
                rng.choices(SURNAMES, k=count), rng.choices(GIVEN, k=count),
                rng.choices(("", *GIVEN), k=count), strict=True)
    for index, (status, skills, surname, given1, given2) in zip(
            range(start, start + count), draws, strict=True):
        id_number, birth = id_numbers(index)
        townships = townships_by_county[id_number[:6]]
        township = townships[int(rng.random() * len(townships))]
        minor = today.year - birth.year < 18
        created = now - timedelta(days=int(rng.random() * 5 * 365),
                                  minutes=int(rng.random() * 1440))
        pending = status == "pending"
        yield (
            f"S{index:011d}",
            surname + given1 + given2,
            fernet.encrypt(id_number.encode()).decode(),
            hasher(id_number),
            mask_id_number(id_number),
            "M" if int(id_number[16]) % 2 else "F",
            birth,
            synthetic_phone(index),
            township,
            status,
            skills,
            surname + "某" if minor else "",
            synthetic_phone(index + 50_000_000) if minor else "",
            created if minor else None,
            0 if pending else int(rng.expovariate(1 / 3000)),
            "bulk",
            created,
            None if pending else created + timedelta(days=int(rng.random() * 8)),
        )


def _townships_by_county() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, county in db.session.execute(
        select(Region.code, Region.county_code).where(Region.level == "township")
    ):
        out.setdefault(county, []).append(code)
    return out


def _copy_line(row) -> str:
    # COPY's text format. The synthetic values hold no tab, newline or backslash (names from
    # the tables above, base64 tokens, digits), so nothing needs escaping; str() of a date or
    # datetime is the ISO form PostgreSQL reads.
    return "\t".join(["\\N" if v is None else str(v) for v in row])


def copy_chunk(start: int, count: int, townships_by_county: dict[str, list[str]], key: str,
               seed: int, now: datetime) -> tuple[bytes, Counter]:
    """Volunteers start … start + count − 1 as COPY text, and the active ones per (township,
    year, month). Runs in a worker process: it needs no app, only the key."""
    rows = synthetic_rows(start, count, townships_by_county, Fernet(key.encode()),
                          lookup_hasher(key), random.Random(seed + start), now)
    active: Counter = Counter()
    lines = []
    for row in rows:
        if row[9] == "active":
            approved = to_local(row[17])  # Beijing month, as the migration's backfill
            active[row[8], approved.year, approved.month] += 1
        lines.append(_copy_line(row))
    return ("\n".join(lines) + "\n").encode(), active


def _copy_postgresql(start: int, count: int, townships, key: str, seed: int, now, echo) -> Counter:
    """COPY the rows, generated by one process per core: encrypting the ID numbers (Fernet,
    ~50 µs a row) is most of the work, and the database takes the rows as they come."""
    starts = range(start, start + count, CHUNK)
    sizes = [min(CHUNK, start + count - s) for s in starts]
    active: Counter = Counter()
    raw = db.session.connection().connection.driver_connection
    context = multiprocessing.get_context("spawn")  # no copy of the open connection
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=context) as pool, \
            raw.cursor() as cursor, \
            cursor.copy(f"COPY volunteer ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        chunks = pool.map(copy_chunk, starts, sizes, repeat(townships), repeat(key),
                          repeat(seed), repeat(now))
        for done, (data, counted) in enumerate(chunks, 1):
            copy.write(data)
            active.update(counted)
            if done * CHUNK % 100_000 == 0:
                echo(min(done * CHUNK, count), count)
    return active


def _insert_batches(rows, total: int, echo, batch: int = 5000) -> None:
    table = Volunteer.__table__
    chunk = []
    done = 0
    for row in rows:
        chunk.append(dict(zip(COLUMNS, row, strict=True)))
        if len(chunk) >= batch:
            db.session.execute(table.insert(), chunk)
            done += len(chunk)
            chunk = []
            if done % 100_000 == 0:
                echo(done, total)
    if chunk:
        db.session.execute(table.insert(), chunk)


def _counted(rows, active: Counter):
    for row in rows:
        if row[9] == "active":
            approved = to_local(row[17])  # Beijing month, as the migration's backfill
            active[row[8], approved.year, approved.month] += 1
        yield row


def seed_volunteers(count: int, seed: int = 20261124, echo=None) -> dict:
    """Insert count synthetic volunteers (COPY on PostgreSQL, executemany elsewhere) and add
    the active ones to TownshipYearStats. Returns timings. The caller commits."""
    echo = echo or (lambda done, total: None)
    start = db.session.scalar(
        select(func.count()).select_from(Volunteer).where(Volunteer.source == "bulk"))
    townships = _townships_by_county()
    if not townships:
        raise click.ClickException("没有行政区划数据，请先运行 flask load-regions")
    now = utcnow().replace(microsecond=0)
    key = current_app.config["ENCRYPTION_KEY"]
    began = time.perf_counter()
    if db.session.get_bind().dialect.name == "postgresql":
        with indexes_rebuilt_after("volunteer", count):
            active = _copy_postgresql(start, count, townships, key, seed, now, echo)
    else:
        active = Counter()
        for offset in range(start, start + count, CHUNK):
            size = min(CHUNK, start + count - offset)
            rows = synthetic_rows(offset, size, townships, Fernet(key.encode()),
                                  lookup_hasher(key), random.Random(seed + offset), now)
            _insert_batches(_counted(rows, active), size, echo)
    loaded = time.perf_counter() - began
    for (township, year, month), number in active.items():
        township_counters.bump(township, year, month, volunteers=number)
    audit.record("seed_bulk", object_type="Volunteer", comment=f"批量生成合成志愿者 {count} 名")
    return {"count": count, "seconds": loaded, "active": sum(active.values())}

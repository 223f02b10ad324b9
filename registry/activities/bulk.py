"""Synthetic activities at city scale, for benchmarks (`flask seed-bulk --activities N`)."""

import random
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import insert, select

from registry.activities.models import Activity
from registry.clock import to_local, utcnow
from registry.extensions import db
from registry.volunteers import township_counters
from registry.volunteers.models import Station

TITLES = ("敬老院陪伴与助餐", "垃圾分类入户宣传", "嘉陵江岸线清洁", "社区义诊", "儿童课业辅导",
          "文明交通劝导", "消防安全宣传", "图书馆整理图书", "防诈骗宣传", "独居老人探访")
CATEGORIES = ("elderly", "civility", "environment", "health", "education", "civility",
              "emergency", "education", "legal", "elderly")
BATCH = 5000


def seed_activities(count: int, seed: int = 20261124) -> str:
    """Add count synthetic activities spread over the existing stations (batched inserts)."""
    stations = db.session.execute(select(Station.id, Station.township_code)).all()
    if not stations:
        return "没有志愿服务站，未生成活动"
    rng = random.Random(seed)
    started = time.monotonic()
    now = utcnow()
    counted: Counter = Counter()
    rows = []
    for n in range(count):
        station_id, township = stations[rng.randrange(len(stations))]
        kind = rng.randrange(len(TITLES))
        starts = (now + timedelta(days=rng.randint(-365, 60), hours=rng.randint(0, 10))).replace(
            minute=0, second=0, microsecond=0)
        ends = starts + timedelta(hours=rng.randint(1, 4))
        status = "closed" if ends < now else "published"
        if rng.random() < 0.03:
            status = "draft"
        rows.append({"station_id": station_id, "township_code": township,
                     "title": f"{TITLES[kind]}（第{n + 1}期）", "content": "批量生成的演示活动",
                     "address": "服务站", "category": CATEGORIES[kind], "starts_at": starts,
                     "ends_at": ends, "capacity": rng.randint(5, 50),
                     "points_per_hour": rng.choice((0, 5, 10, 12, 20)), "status": status,
                     "created_at": now})
        if status != "draft":
            local = to_local(starts)
            counted[township, local.year, local.month] += 1
        if len(rows) >= BATCH:
            db.session.execute(insert(Activity), rows)
            rows = []
    if rows:
        db.session.execute(insert(Activity), rows)
    for (township, year, month), number in counted.items():
        township_counters.bump(township, year, month, activities=number)
    seconds = time.monotonic() - started
    return f"新增 {count:,} 个活动，用时 {seconds:.1f} 秒"

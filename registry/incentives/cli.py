"""Command-line tasks for the incentives."""

import secrets

import click
from sqlalchemy import func, select

from registry import audit
from registry.extensions import db
from registry.incentives import deeds, expiry, tasks  # noqa: F401 (tasks: the periodic jobs)
from registry.incentives import store as stock
from registry.incentives.models import StoreItem, StoreRestock
from registry.points import ledger
from registry.points.bulk import BENCH_VOLUNTEER, bench_volunteer
from registry.volunteers.models import Station


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("expire-points")
    def expire_points_command():
        """Expire points older than POINTS_EXPIRY_MONTHS, oldest first (safe to run twice:
        what has expired is never taken again). Also runs daily on the job queue."""
        done = expiry.run()
        if done["cutoff"] is None:
            click.echo("积分不过期（POINTS_EXPIRY_MONTHS = 0），未做任何改动")
            return
        click.echo(f"积分过期：{done['accounts']} 个账户共 {done['points']} 分"
                   f"（{done['cutoff']:%Y-%m-%d} 前获得）；{done['skipped']} 个账户因同时有兑换"
                   "留待下次处理")

    @app.cli.command("seed-store-bench")
    def seed_store_bench_command():
        """Benchmarks: the first station's store with a 1-point item of 1,000,000 pieces, and
        1,000,000 points for bench-volunteer (bench/cases.py, store-*)."""
        station = db.session.scalar(select(Station).order_by(Station.id).limit(1))
        if station is None:
            raise click.ClickException("还没有志愿服务站：请先加载压测数据")
        shop = stock.store_of_station(station)
        item = db.session.scalar(select(StoreItem).where(StoreItem.store_id == shop.id,
                                                         StoreItem.name == "压测商品"))
        if item is None:
            item = StoreItem(store_id=shop.id, township_code=shop.township_code,
                             name="压测商品", points_price=1, stock=stock.MAX_STOCK)
            db.session.add(item)
            db.session.flush()
            db.session.add(StoreRestock(item_id=item.id, township_code=item.township_code,
                                        quantity=item.stock, stock_after=item.stock,
                                        memo="压测库存"))
        volunteer = bench_volunteer()
        ledger.credit(volunteer, 1_000_000, "adjust", "压测：兑换用积分",
                      f"bench-store:{secrets.token_hex(4)}")
        db.session.flush()
        audit.record("seed_store_bench", object_type="StoreItem", comment="压测积分超市")
        db.session.commit()
        click.echo(f"压测商品 id={item.id}（库存 {item.stock:,}），{BENCH_VOLUNTEER} 余额 "
                   f"{ledger.balance(volunteer).balance:,}")

    @app.cli.command("store-check")
    def store_check_command():
        """Prove every item's stock = restocked − taken by redemptions not cancelled."""
        bad = list(stock.mismatches())
        for item_id, stored, summed in bad[:50]:
            click.echo(f"✗ 商品 {item_id}：库存 {stored} ≠ 补货减兑换 {summed}", err=True)
        if bad:
            click.echo(f"错误：{len(bad)} 个商品库存不一致", err=True)
            raise SystemExit(1)
        items = db.session.scalar(select(func.count()).select_from(StoreItem))
        click.echo(f"库存一致：{items} 个商品的库存均等于补货减去兑换")

    # --- issue 11 (i11-reports): moral bank ---
    @app.cli.command("credit-deeds")
    def credit_deeds_command():
        """Credit the deeds whose 公示 ended without objection (safe to run twice)."""
        done = deeds.credit_due()
        db.session.commit()
        click.echo(f"已记入 {done} 件善行的道德积分")

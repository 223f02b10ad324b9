"""Command-line tasks for the incentives."""

import click
from sqlalchemy import func, select

from registry.extensions import db
from registry.incentives import expiry
from registry.incentives import store as stock
from registry.incentives.models import StoreItem


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

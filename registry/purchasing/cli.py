"""Command-line tasks for the purchasing area."""

import sys

import click
from sqlalchemy import insert, select

from registry import audit
from registry.cli import fail
from registry.clock import utcnow
from registry.errors import NotAllowed, RegistryError
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import User
from registry.purchasing import awards, directory, directory_xlsx, spending_summary
from registry.purchasing.models import DirectoryEdition, DirectoryItem

# --- the guidance directory (engineer A) ---------------------------------------------------
# Commands act as a named city official (--user): the same rules as the pages, the freeze of
# published editions included, and the same audit rows.


def _edition(user, year: int) -> DirectoryEdition:
    edition = db.session.scalar(select(DirectoryEdition).where(DirectoryEdition.year == year))
    if edition is None:
        fail(f"{year} 年度的目录版本不存在")
    return directory.get_edition(user, edition.id)


def _run(username: str, work) -> None:
    """Run work(user) as a city official in one transaction; a broken rule is a message."""
    try:
        user = directory.city_user_for(username)
        audit.set_actor(user)
        message = work(user)
        db.session.commit()
    except directory_xlsx.ImportFailed as error:
        db.session.rollback()
        for row, column, reason in error.problems[:200]:
            click.echo(f"第 {row} 行\t{column}\t{reason}", err=True)
        fail(error.message)
    except RegistryError as error:
        db.session.rollback()
        fail(error.message)
    click.echo(message)


def seed_bench_directory(editions: int, items: int, first_year: int = 2020) -> int:
    """Synthetic published editions of `items` items each (7 level-1 categories, then levels
    2–4), bulk inserted, for the benchmarks; each edition differs a little from the one
    before (a few renamed, added and removed items). Returns the editions made."""
    city = db.session.scalar(select(DirectoryEdition.region_code).limit(1)) or "511300"
    made = 0
    for number in range(editions):
        year = first_year + number
        if db.session.scalar(select(DirectoryEdition.id).where(DirectoryEdition.year == year)):
            continue
        edition = DirectoryEdition(year=year, title=f"{year}年基准测试目录", status="published",
                                   region_code=city, code_note="基准测试数据，非官方代码",
                                   published_at=utcnow())
        db.session.add(edition)
        db.session.flush()
        rows, parents = [], {1: [], 2: [], 3: []}
        for index in range(items):
            level = 1 if index < 7 else 2 if index < 70 else 2 + (index % 3)
            parent = parents[level - 1][index % len(parents[level - 1])] if level > 1 else None
            code = f"B{index:05d}"
            if level == 4 and index % 50 == 0:
                code += f"v{number}"  # a leaf each edition replaces: added and removed items
            rows.append({"edition_id": edition.id, "code": code, "level": level,
                         "parent": parent, "position": index, "name":
                         f"服务事项{index}" + ("（修订）" if index % 97 == number else ""),
                         "description": f"第 {index} 项服务的内容说明", "requirements": "",
                         "purchasing_department": "市民政局"})
            if level < 4:
                parents[level].append(code)
        ids = {}
        for level in range(1, 5):
            batch = [row for row in rows if row["level"] == level]
            if not batch:
                continue
            db.session.execute(insert(DirectoryItem), [
                {**{k: v for k, v in row.items() if k != "parent"},
                 "parent_id": ids.get(row["parent"])} for row in batch])
            ids.update(db.session.execute(select(DirectoryItem.code, DirectoryItem.id).where(
                DirectoryItem.edition_id == edition.id, DirectoryItem.level == level)).all())
        made += 1
    db.session.commit()
    return made


def register_directory(app) -> None:
    @app.cli.command("directory-copy")
    @click.option("--user", "username", required=True, help="市级工作人员的用户名")
    @click.option("--from", "from_year", type=int, default=None,
                  help="复制哪一年度（默认现行版本）")
    @click.option("--year", type=int, default=None, help="新版本的年度（默认下一年度）")
    def directory_copy_command(username, from_year, year):
        """Draft next year's directory as a copy of the edition in force (or --from)."""
        def work(user):
            source = _edition(user, from_year) if from_year else None
            edition = directory.copy_edition(user, source, year)
            return f"已创建 {edition.year} 年度草稿，共 {directory.item_count(edition)} 个条目"
        _run(username, work)

    @app.cli.command("directory-publish")
    @click.option("--user", "username", required=True, help="市级工作人员的用户名")
    @click.option("--year", type=int, required=True)
    def directory_publish_command(username, year):
        """Publish a draft edition (it is frozen from then on)."""
        def work(user):
            directory.publish(user, _edition(user, year))
            return f"{year} 年度目录已发布"
        _run(username, work)

    @app.cli.command("directory-import")
    @click.option("--user", "username", required=True, help="市级工作人员的用户名")
    @click.option("--year", type=int, required=True, help="导入到哪一年度的草稿")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def directory_import_command(username, year, path):
        """Import changes from an .xlsx in the template into a draft (all rows or none)."""
        def work(user):
            with open(path, "rb") as stream:
                counts = directory_xlsx.import_changes(user, _edition(user, year), stream)
            return "已导入：新增 {added} 条、修改 {changed} 条、删除 {deleted} 条".format(**counts)
        _run(username, work)

    @app.cli.command("directory-export")
    @click.option("--user", "username", required=True, help="市级工作人员的用户名")
    @click.option("--year", type=int, required=True)
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def directory_export_command(username, year, path):
        """Write an edition to an .xlsx in the import template's layout."""
        def work(user):
            written = directory_xlsx.export_xlsx(user, _edition(user, year), path)
            return f"已导出 {written} 个条目到 {path}"
        _run(username, work)

    @app.cli.command("seed-directory-bench")
    @click.option("--editions", type=click.IntRange(1, 20), default=5, show_default=True)
    @click.option("--items", type=click.IntRange(10, 20_000), default=2000, show_default=True)
    def seed_directory_bench_command(editions, items):
        """Synthetic published editions for the benchmarks (years from 2020)."""
        click.echo(f"已生成 {seed_bench_directory(editions, items)} 个目录版本")


# --- end of the guidance directory ---------------------------------------------------------


# --- 以奖代补 awards (engineer C) -------------------------------------------------------------
# Administrative penalties exclude an organization from awards (eligibility.award_eligibility); they
# are recorded here by a named official (the back office lists them read-only), with the rule
# and audit rows of awards.record_penalty.


def register_awards(app) -> None:
    @app.cli.command("award-penalty")
    @click.option("--user", "username", required=True, help="an official's username")
    @click.option("--org-id", type=click.IntRange(1, 2**31 - 1), required=True)
    @click.option("--decided-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
    @click.option("--number", required=True, help="the decision's number")
    @click.option("--reason", required=True)
    def award_penalty_command(username, org_id, decided_on, number, reason):
        """Record an administrative penalty: no award for AWARD_PENALTY_YEARS after it."""
        try:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotAllowed(_("请指定一个民政干部的用户名"))
            audit.set_actor(user)
            penalty = awards.record_penalty(user, org_id, {
                "decided_on": decided_on.date(), "decision_no": number, "reason": reason})
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            fail(error.message)
        click.echo(_("已登记行政处罚（编号 %(id)s）", id=penalty.id))


# --- end of 以奖代补 ----------------------------------------------------------------------------


def register_spending(app) -> None:
    @app.cli.command("spending-check")
    def spending_check_command():
        """Prove the spending summary equals the projects' amounts; exit 1 if not."""
        bad = 0
        for key, stored, summed in spending_summary.mismatches():
            bad += 1
            click.echo(f"✗ {key}：汇总（项目数、合同金额、已付金额）{stored} ≠ 项目合计 {summed}",
                       err=True)
        if bad:
            click.echo(f"错误：购买服务支出汇总有 {bad} 行与项目不一致", err=True)
            sys.exit(1)
        click.echo("购买服务支出汇总与项目一致")


def register(app) -> None:
    register_directory(app)
    register_awards(app)
    register_spending(app)

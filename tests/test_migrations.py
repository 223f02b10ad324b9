"""The schema comes only from the migrations, and the models agree with them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from config import BASE_DIR as ROOT
from registry.extensions import db
from registry.models import Region


def test_migrations_have_a_single_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_upgraded_database_matches_the_models(ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
        )
    dialect = db.engine.dialect.name
    assert [d for d in diff if _applies(d, dialect)] == []


def _applies(difference, dialect: str) -> bool:
    """An index declared for another database only (Index(...).ddl_if) is not drift here."""
    if difference[0] in ("add_index", "remove_index"):
        index = difference[1]
        declared = {i.name: i for i in db.metadata.tables[index.table.name].indexes}
        ddl_if = getattr(declared.get(index.name), "_ddl_if", None)  # alembic copies indexes
        if ddl_if is not None and ddl_if.dialect and ddl_if.dialect != dialect:
            return False
    return True


def test_every_model_table_exists(ctx):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_regions_are_nanchong_as_it_is(ctx):
    count = lambda level: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(Region).where(Region.level == level))
    assert (count("city"), count("county"), count("township")) == (1, 9, 242)
    assert db.session.get(Region, "511381001").name == "保宁街道"
    township = db.session.get(Region, "511324100")
    assert (township.name, township.county_code, township.city_code) == ("金城镇", "511324",
                                                                        "511300")
    per_county = dict(db.session.execute(
        select(Region.county_code, func.count()).where(Region.level == "township")
        .group_by(Region.county_code)).all())
    assert per_county == {"511302": 19, "511303": 19, "511304": 24, "511321": 42, "511322": 29,
                          "511323": 21, "511324": 37, "511325": 23, "511381": 28}


def test_load_regions_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["load-regions"])
    assert result.exit_code == 0 and "新增 0 条，更新 0 条" in result.output

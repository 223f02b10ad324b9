"""flask seed-bulk: valid, unique synthetic volunteers spread over every county; stats kept."""

from sqlalchemy import func, select
from stdnum.cn import ric

from registry import crypto
from registry.extensions import db
from registry.volunteers.bulk import synthetic_id_number, synthetic_phone
from registry.volunteers.models import TownshipYearStats, Volunteer


def test_synthetic_ids_are_valid_and_unique():
    counties = ["511302", "511303", "511304", "511321", "511322", "511323", "511324", "511325",
                "511381"]
    ids = [synthetic_id_number(i, counties)[0] for i in range(0, 3_000_000, 997)]
    assert len(set(ids)) == len(ids)
    assert all(ric.calc_check_digit(n) == n[-1] for n in ids)
    assert {n[:6] for n in ids} == set(counties)
    phones = [synthetic_phone(i) for i in range(0, 3_000_000, 997)]
    assert len(set(phones)) == len(phones) and all(len(p) == 11 for p in phones)


def test_seed_bulk_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-bulk", "--volunteers", "300", "--activities", "2"])
    assert result.exit_code == 0, result.output
    assert "新增 300 名" in result.output
    with app.app_context():
        rows = db.session.scalars(select(Volunteer)).all()
        assert len(rows) == 300
        sample = rows[0]
        plain = crypto.decrypt(sample.id_number_encrypted)
        assert crypto.lookup_hash(plain) == sample.id_number_hash
        assert sample.id_number_masked == plain[:6] + "********" + plain[-4:]
        active = sum(1 for v in rows if v.status == "active")
        assert db.session.scalar(select(func.sum(TownshipYearStats.volunteers))) == active
    again = runner.invoke(args=["seed-bulk", "--volunteers", "50"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 350

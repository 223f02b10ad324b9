"""Purchased-service projects: recording (item in force, provider eligibility, term), payment
limits, 绩效评价 grades and weights, workflow roles, jurisdiction, spending, public providers."""

import pytest

from registry.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.purchasing import eligibility, evaluations, payments, projects, spending
from tests.test_purchasing_proj_helpers import org_id, project_data, pworld, signed, user

__all__ = ["pworld"]
SCORES = {"decision": 100, "process": 90, "output": 80, "effect": 70}


def test_records_a_project_in_the_officials_region(ctx, pworld):
    row = projects.create_project(user("psq"), project_data(milestones=[
        {"name": "中期检查", "due_on": "2025-06-30"}]))
    assert (row.region_code, row.county_code, row.status) == ("511302", "511302", "initiated")
    assert (row.item_code, row.category_code, row.amount_fen) == ("A0101", "A", 10_000_000)
    assert [m.name for m in projects.milestones_of(row)] == ["中期检查"]


@pytest.mark.parametrize("changes, field", [
    ({"provider_id": "abnormal"}, "provider_id"),
    ({"provider_id": "submitted"}, "provider_id"),
    ({"item_code": "A01"}, "item_code"),          # a category, not the deepest level
    ({"item_code": "ZZ"}, "item_code"),
    ({"year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31"}, "item_code"),
    ({"ends_on": "2026-06-30"}, "term_reason"),   # over a year without a reason
    ({"ends_on": "2028-01-01", "term_reason": "持续性服务"}, "ends_on"),  # over three years
    ({"ends_on": "2024-12-31"}, "ends_on"),
    ({"amount_fen": 0}, "amount_fen"),
    ({"amount_fen": 10**18}, "amount_fen"),
    ({"procurement_method": "lottery"}, "procurement_method"),
    ({"starts_on": "2025-02-30"}, "starts_on"),
    ({"title": "a\x00b"}, "title"),
])
def test_bad_project_input_is_named_at_its_field(ctx, pworld, changes, field):
    names = {"abnormal": org_id("异常名录协会"), "submitted": org_id("申请中协会")}
    if changes.get("provider_id") in names:
        changes["provider_id"] = names[changes["provider_id"]]
    with pytest.raises(ValidationFailed) as caught:
        projects.create_project(user("psq"), project_data(**changes))
    assert field in caught.value.fields, caught.value.fields
    assert db.session.scalar(db.select(db.func.count()).select_from(
        projects.PurchasedServiceProject)) == 0


def test_two_to_three_years_with_a_reason(ctx, pworld):
    row = projects.create_project(user("psq"), project_data(
        ends_on="2027-12-31", term_reason="服务稳定、持续，预算有保障"))
    assert row.ends_on.year == 2027


def test_provider_eligibility_names_the_rule(ctx, pworld):
    org = db.session.get(projects.Organization, org_id("异常名录协会"))
    result = eligibility.eligibility(org, "provider")
    assert not result.eligible and result.decided_by.key == "not_abnormal"
    good = db.session.get(projects.Organization, org_id("顺庆区阳光社工中心"))
    assert eligibility.eligibility(good, "provider").eligible
    award = eligibility.eligibility(good, "award").as_dict()
    assert [r["key"] for r in award["rules"]] == ["registered", "not_abnormal",
                                                   "annual_report", "not_penalised"]


def test_payments_never_pass_the_contract(ctx, pworld):
    sq = user("psq")
    row = projects.create_project(sq, project_data(amount_fen=100_000))
    with pytest.raises(Conflict):  # not signed yet
        payments.add_payment(sq, row, {"amount_fen": 1, "paid_on": "2025-02-01"})
    signed(row, sq)
    payments.add_payment(sq, row, {"amount_fen": 60_000, "paid_on": "2025-02-01"})
    payments.add_payment(sq, row, {"amount_yuan": "400.00", "paid_on": "2025-03-01"})
    assert row.paid_fen == 100_000
    with pytest.raises(ValidationFailed) as caught:
        payments.add_payment(sq, row, {"amount_fen": 1, "paid_on": "2025-03-02"})
    assert "amount_fen" in caught.value.fields and "0.00" in caught.value.message
    with pytest.raises(ValidationFailed) as caught:
        payments.add_payment(sq, row, {"amount_yuan": "-5", "paid_on": "2025-03-02"})
    assert "amount_yuan" in caught.value.fields
    db.session.commit()
    assert [p.paid_after_fen for p in payments.payments_of(row)] == [60_000, 100_000]


@pytest.mark.parametrize("tenths, grade", [(1000, "excellent"), (900, "excellent"),
                                           (899, "good"), (800, "good"), (799, "fair"),
                                           (600, "fair"), (599, "poor"), (0, "poor")])
def test_grade_bands_at_the_edges(tenths, grade):
    assert evaluations.grade_for(tenths) == grade


def test_total_is_weighted_and_rounded_half_up():
    rows = evaluations.check_indicators((("a", "甲", 33, 100), ("b", "乙", 67, 100)))
    assert evaluations.total_tenths({"a": 90, "b": 89}, rows) == 893  # 29.7 + 59.63 = 89.33
    rows = evaluations.check_indicators((("a", "甲", 50, 10), ("b", "乙", 50, 100)))
    assert evaluations.total_tenths({"a": 9, "b": 90}, rows) == 900


@pytest.mark.parametrize("rows", [
    (("a", "甲", 50, 100), ("b", "乙", 40, 100)),
    (("a", "甲", 60, 100), ("b", "乙", 60, 100)),
    (("a", "甲", 100, 0),),
    (("a", "甲", 50, 100), ("a", "乙", 50, 100)),
    (),
])
def test_weights_not_summing_to_100_are_refused(rows):
    with pytest.raises(evaluations.IndicatorsInvalid) as caught:
        evaluations.check_indicators(rows)
    assert caught.value.message


def test_evaluation_grade_and_scale(ctx, pworld, app):
    sq = user("psq")
    row = projects.create_project(sq, project_data(milestones=[
        {"name": "中期检查", "due_on": "2025-06-30"}]))
    with pytest.raises(Conflict):
        projects.evaluate(sq, row, {"scores": SCORES})
    signed(row, sq, "evaluating")
    with pytest.raises(ValidationFailed) as caught:
        projects.evaluate(sq, row, {"scores": {**SCORES, "output": 101}})
    assert "score_output" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        projects.evaluate(sq, row, {"scores": {**SCORES, "effect": "-1"}})
    assert "score_effect" in caught.value.fields
    with pytest.raises(Conflict):
        projects.move(sq, row, "close")
    evaluation = projects.evaluate(sq, row, {"scores": SCORES})
    # 20 + 18 + 24 + 21 = 83.0 → 良
    assert (evaluation.total_tenths, evaluation.grade, row.evaluation_grade) == (830, "good",
                                                                                "good")
    projects.move(sq, row, "close")
    assert row.status == "closed"
    # a closed project's record is final: no milestone added or completed any more
    open_milestone = projects.milestones_of(row)[0]
    with pytest.raises(Conflict):
        projects.complete_milestone(sq, row, open_milestone.id)
    with pytest.raises(Conflict):
        projects.add_milestone(sq, row, {"name": "补充", "due_on": "2025-12-01"})
    assert open_milestone.done_on is None
    app.config["EVALUATION_INDICATORS"] = (("a", "甲", 50, 100), ("b", "乙", 40, 100))
    with pytest.raises(ValidationFailed) as caught:
        evaluations.indicators()
    assert "100" in caught.value.message


def test_workflow_roles_and_states(ctx, pworld):
    sq = user("psq")
    row = projects.create_project(sq, project_data(contract_no=""))
    with pytest.raises(NotAllowed):
        projects.move(user("pcity"), row, "procure")  # the city reads, the county moves
    with pytest.raises(NotAllowed):
        projects.move(user("pstation"), row, "procure")
    with pytest.raises(Conflict):
        projects.move(sq, row, "accept")
    projects.move(sq, row, "procure")
    with pytest.raises(ValidationFailed):
        projects.move(sq, row, "sign")  # no contract number yet
    projects.update_contract(sq, row, {"contract_no": "SQ-1", "amount_fen": 5000})
    projects.move(sq, row, "sign")
    with pytest.raises(Conflict):
        projects.update_contract(sq, row, {"contract_no": "SQ-2", "amount_fen": 5000})
    assert [m.name for m in projects.allowed_moves(sq, row)] == ["perform"]
    assert projects.allowed_moves(user("pcity"), row) == []


def test_jurisdiction(ctx, pworld):
    row = projects.create_project(user("psq"), project_data())
    db.session.commit()
    assert projects.get_project(user("pcity"), row.id) is row
    assert projects.get_project(user("prep"), row.id) is row  # the provider's own
    with pytest.raises(NotFound):
        projects.get_project(user("pgp"), row.id)
    with pytest.raises(NotFound):
        projects.get_project(user("pstation"), row.id)


def test_spending_summary_follows_every_write(app, pworld):
    """The spending table reads the summary kept with each project write: it always equals
    the projects (creation, a contract corrected before signing, payments), a status filter
    reads the projects themselves, and spending-check proves it and catches a tampered row."""
    from registry.purchasing import spending_summary
    from registry.purchasing.spending_models import ProjectSpending

    with app.app_context():
        sq, city = user("psq"), user("pcity")
        first = projects.create_project(sq, project_data(amount_fen=100_000))
        second = projects.create_project(sq, project_data(amount_fen=50_000))
        projects.update_contract(sq, second, {"contract_no": "HT-2", "amount_fen": 80_000})
        signed(first, sq)
        payments.add_payment(sq, first, {"amount_fen": 30_000, "paid_on": "2025-02-01"})
        db.session.commit()
        assert list(spending_summary.mismatches()) == []
        table = spending.spending(city, "county", {})
        assert [(r["key"], r["count"], r["amount_fen"], r["paid_fen"]) for r in table["rows"]] \
            == [("511302", 2, 180_000, 30_000)]
        signed_only = spending.spending(city, "county", {"status": "signed"})
        assert [(r["count"], r["amount_fen"]) for r in signed_only["rows"]] == [(1, 100_000)]
        assert spending.spending(user("pgp"), "county", {})["rows"] == []
    runner = app.test_cli_runner()
    assert runner.invoke(args=["spending-check"]).exit_code == 0
    with app.app_context():
        db.session.scalars(db.select(ProjectSpending)).first().paid_fen += 1
        db.session.commit()
    assert runner.invoke(args=["spending-check"]).exit_code == 1


def test_spending_groups_and_scopes(ctx, pworld):
    sq, gp = user("psq"), user("pgp")
    projects.create_project(sq, project_data(amount_fen=300))
    projects.create_project(sq, project_data(amount_fen=200, item_code="B01"))
    projects.create_project(gp, project_data(amount_fen=1000, purchaser="高坪区民政局",
                                             provider_id=org_id("高坪区乐龄中心")))
    city = spending.spending(user("pcity"), "county", {})
    assert {r["key"]: r["amount_fen"] for r in city["rows"]} == {"511302": 500, "511303": 1000}
    assert city["total"]["amount_fen"] == 1500
    by_cat = spending.spending(user("pcity"), "category", {"year": 2025})
    assert {r["key"]: r["amount_fen"] for r in by_cat["rows"]} == {"A": 1300, "B": 200}
    own = spending.spending(gp, "provider", {})
    assert [(r["label"], r["amount_fen"]) for r in own["rows"]] == [("高坪区乐龄中心", 1000)]


def test_the_spending_table_is_kept_a_while_per_person_and_filter(app, ctx, pworld):
    """STATISTICS_SECONDS: within it the same person's same table reads the kept figures;
    another filter or another person's jurisdiction is computed for them."""
    app.config["STATISTICS_SECONDS"] = 60
    sq, gp, city = user("psq"), user("pgp"), user("pcity")
    projects.create_project(sq, project_data(amount_fen=300))
    first = spending.spending(city, "county", {})
    projects.create_project(gp, project_data(amount_fen=1000, purchaser="高坪区民政局",
                                             provider_id=org_id("高坪区乐龄中心")))
    assert spending.spending(city, "county", {}) == first
    assert spending.spending(city, "county", {"year": 2025})["total"]["amount_fen"] == 1300
    assert {r["key"] for r in spending.spending(gp, "county", {})["rows"]} == {"511303"}
    app.config["STATISTICS_SECONDS"] = 0
    assert spending.spending(city, "county", {})["total"]["amount_fen"] == 1300


def test_the_citys_table_by_provider_reads_the_per_provider_summary(ctx, pworld, monkeypatch):
    """The city's table by provider (all years or one) ranks providers by contract amount
    from the per-(year, provider) summary, which every project write keeps and the
    spending check proves; cut to the largest MAX_GROUPS, its total is still everyone's."""
    from registry.purchasing import spending_summary
    from registry.purchasing.spending_models import ProjectSpendingProvider

    sq, gp, city = user("psq"), user("pgp"), user("pcity")
    le_ling = org_id("高坪区乐龄中心")
    projects.create_project(sq, project_data(amount_fen=300))
    projects.create_project(sq, project_data(amount_fen=200, item_code="B01"))
    projects.create_project(gp, project_data(amount_fen=1000, purchaser="高坪区民政局",
                                             provider_id=le_ling))
    projects.create_project(gp, project_data(amount_fen=50, purchaser="高坪区民政局",
                                             provider_id=le_ling, item_code="B01"))
    db.session.commit()
    assert list(spending_summary.mismatches()) == []
    one_year = spending.spending(city, "provider", {"year": 2025})
    assert [(r["label"], r["count"], r["amount_fen"]) for r in one_year["rows"]] == [
        ("高坪区乐龄中心", 2, 1050), ("顺庆区阳光社工中心", 2, 500)]
    every_year = spending.spending(city, "provider", {})
    assert [(r["count"], r["amount_fen"]) for r in every_year["rows"]] == [(2, 1050), (2, 500)]
    monkeypatch.setattr(spending, "MAX_GROUPS", 1)
    cut = spending.spending(city, "provider", {"year": 2025})
    assert cut["truncated"] and [r["amount_fen"] for r in cut["rows"]] == [1050]
    assert cut["total"] == {"count": 4, "amount_fen": 1550, "paid_fen": 0}
    # a county's table by provider still reads its own county's rows
    assert [r["amount_fen"] for r in spending.spending(gp, "provider", {})["rows"]] == [1050]
    db.session.get(ProjectSpendingProvider, (2025, le_ling)).amount_fen += 1
    db.session.flush()
    assert [key for key, _, _ in spending_summary.mismatches()] == [(2025, le_ling)]

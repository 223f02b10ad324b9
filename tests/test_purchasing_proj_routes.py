"""Purchased-service projects through the API and the pages: create, pay, evaluate, the
credit profile, jurisdiction (a foreign project is a 404), bad input, public providers."""

import pytest

from registry.extensions import db
from registry.purchasing import projects
from tests.conftest import PG_URL
from tests.test_purchasing_proj_helpers import org_id, project_data, pworld, signed, user

__all__ = ["pworld"]
SCORES = {"decision": 20, "process": 95, "output": 95, "effect": 95}


def _api_project(app, api, **changes) -> int:
    with app.app_context():
        body = project_data(**changes)
    api.token("psq")
    response = api.post("/api/v1/projects", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_api_records_pays_evaluates(app, api, pworld):
    pid = _api_project(app, api, amount_fen=50_000)
    for name in ("procure", "sign", "perform"):
        assert api.post(f"/api/v1/projects/{pid}/moves/{name}", json={}).status_code == 200
    assert api.post(f"/api/v1/projects/{pid}/moves/close", json={}).status_code == 409
    first = api.post(f"/api/v1/projects/{pid}/payments",
                     json={"amount_fen": 30_000, "paid_on": "2025-03-01"},
                     headers={"Idempotency-Key": "pay-1"})
    again = api.post(f"/api/v1/projects/{pid}/payments",
                     json={"amount_fen": 30_000, "paid_on": "2025-03-01"},
                     headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    over = api.post(f"/api/v1/projects/{pid}/payments",
                    json={"amount_fen": 20_001, "paid_on": "2025-03-02"})
    assert over.status_code == 422
    assert over.get_json()["error"]["code"] == "validation_error"
    assert "amount_fen" in over.get_json()["error"]["fields"]
    assert api.post(f"/api/v1/projects/{pid}/payments",
                    json={"amount_fen": 20_000, "paid_on": "2025-03-02"}).status_code == 201
    for name in ("accept", "evaluate"):
        assert api.post(f"/api/v1/projects/{pid}/moves/{name}", json={}).status_code == 200
    bad = api.post(f"/api/v1/projects/{pid}/evaluations",
                   json={"scores": {**SCORES, "decision": 1000}})
    assert bad.status_code == 422 and "score_decision" in bad.get_json()["error"]["fields"]
    good = api.post(f"/api/v1/projects/{pid}/evaluations", json={"scores": SCORES})
    # 4 + 19 + 28.5 + 28.5 = 80.0 → 良
    assert good.status_code == 201 and good.get_json()["grade"] == "good"
    assert good.get_json()["total"] == "80.0"
    detail = api.get(f"/api/v1/projects/{pid}").get_json()
    assert detail["paid_fen"] == 50_000 and len(detail["payments"]) == 2
    assert detail["moves"] == ["close"]
    assert api.get("/api/v1/projects/spending?by=year").get_json()["total"]["paid_fen"] == 50_000


def test_api_roles_jurisdiction_and_bad_input(app, api, pworld):
    pid = _api_project(app, api)
    assert api.post("/api/v1/projects", json={"title": "x"}).status_code == 422
    assert api.post("/api/v1/projects", json={**project_data_json(app),
                                             "amount_fen": "1e9"}).status_code == 422
    api.token("pgp")
    assert api.get(f"/api/v1/projects/{pid}").status_code == 404
    assert api.post(f"/api/v1/projects/{pid}/moves/procure", json={}).status_code == 404
    assert api.get("/api/v1/projects").get_json()["items"] == []
    api.token("pcity")
    assert api.get(f"/api/v1/projects/{pid}").status_code == 200
    assert api.post(f"/api/v1/projects/{pid}/moves/procure", json={}).status_code == 403
    api.token("pstation")
    assert api.get("/api/v1/projects").status_code == 403
    api.token("prep")
    assert [p["id"] for p in api.get("/api/v1/projects").get_json()["items"]] == [pid]
    assert api.post(f"/api/v1/projects/{pid}/moves/procure", json={}).status_code == 403
    assert api.get("/api/v1/projects/99999999").status_code == 404
    assert api.get("/api/v1/projects?per_page=1000").status_code == 422


def project_data_json(app) -> dict:
    with app.app_context():
        return project_data()


def test_credit_profile_api(app, api, pworld):
    _api_project(app, api)
    with app.app_context():
        target = org_id("顺庆区阳光社工中心")
        abnormal = org_id("异常名录协会")
        foreign = org_id("高坪区乐龄中心")
    body = api.get(f"/api/v1/organizations/{target}/credit").get_json()
    assert body["projects"][0]["item_code"] == "A0101" and body["awards"] == []
    provider = next(e for e in body["eligibility"] if e["purpose"] == "provider")
    assert provider["eligible"] and provider["decided_by"] is None
    listed = api.get(f"/api/v1/organizations/{abnormal}/credit").get_json()
    provider = next(e for e in listed["eligibility"] if e["purpose"] == "provider")
    assert not provider["eligible"] and provider["decided_by"] == "not_abnormal"
    assert api.get(f"/api/v1/organizations/{foreign}/credit").status_code == 404
    api.token("prep")
    assert api.get(f"/api/v1/organizations/{target}/credit").status_code == 200
    assert api.get(f"/api/v1/organizations/{abnormal}/credit").status_code == 404


def test_public_directory_shows_providers_with_grades(app, api, browser, pworld):
    with app.app_context():
        sq = user("psq")
        row = projects.create_project(sq, project_data())
        signed(row, sq, "performing")
        db.session.commit()
        pid = row.id
    assert "顺庆区阳光社工中心" not in api.client.get(
        "/api/v1/public/directory").get_data(as_text=True)  # performing: not delivered yet
    with app.app_context():
        sq = user("psq")
        row = projects.get_project(sq, pid)
        projects.move(sq, row, "accept")
        projects.move(sq, row, "evaluate")
        projects.evaluate(sq, row, {"scores": {"decision": 100, "process": 100, "output": 100,
                                               "effect": 100}})
        db.session.commit()
    assert api.client.get("/api/v1/public/directory").get_json()["provider_counts"] == {
        "A0101": 1}
    body = api.client.get("/api/v1/public/directory/providers?code=A0101").get_json()
    assert body["providers"][0]["name"] == "顺庆区阳光社工中心"
    assert body["providers"][0]["evaluation_grade"] == "excellent"
    assert api.client.get("/api/v1/public/directory/providers?code=Z9").get_json()[
        "providers"] == []
    assert api.client.get("/api/v1/public/directory/providers").status_code == 422
    page = browser.get("/directory/?cat=A").get_data(as_text=True)
    assert "顺庆区阳光社工中心" in page


def test_public_providers_are_kept_for_their_configured_seconds(app, api, pworld, monkeypatch):
    """The public directory asks who delivered each item at most once per
    PUBLIC_PROVIDERS_SECONDS: within it a newly accepted project is not named yet, after it
    it is (tests run with 0 seconds: always fresh)."""
    from registry import memo

    clock = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(memo, "_kept", {})
    app.config["PUBLIC_PROVIDERS_SECONDS"] = 60
    assert api.client.get("/api/v1/public/directory").get_json()["provider_counts"] == {}
    with app.app_context():
        sq = user("psq")
        row = projects.create_project(sq, project_data())
        signed(row, sq, "performing")
        projects.move(sq, row, "accept")
        db.session.commit()
    clock[0] += 59
    assert api.client.get("/api/v1/public/directory").get_json()["provider_counts"] == {}
    clock[0] += 2
    assert api.client.get("/api/v1/public/directory").get_json()["provider_counts"] == {
        "A0101": 1}


def test_pages_record_pay_and_refuse_overpayment(app, browser, pworld):
    browser.login("psq")
    with app.app_context():
        provider = org_id("顺庆区阳光社工中心")
    assert browser.get("/projects/new").status_code == 200
    response = browser.post("/projects/new", data={
        "title": "社区矫正辅助服务", "item_code": "B01", "purchaser": "顺庆区司法局",
        "provider_id": str(provider), "procurement_method": "inquiry",
        "contract_no": "SQ-9", "amount_yuan": "1,000.50", "starts_on": "2025-01-01",
        "ends_on": "2025-12-31"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    pid = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    for name in ("procure", "sign"):
        assert browser.post(f"/projects/{pid}/move/{name}").status_code == 302
    over = browser.post(f"/projects/{pid}/payments", data={"amount_yuan": "1000.51",
                                                           "paid_on": "2025-02-01"})
    assert over.status_code == 422 and "1,000.50" in over.get_data(as_text=True)
    assert browser.post(f"/projects/{pid}/payments", data={
        "amount_yuan": "1000.50", "paid_on": "2025-02-01"}).status_code == 302
    assert "1,000.50" in browser.get(f"/projects/{pid}").get_data(as_text=True)
    assert browser.get("/projects/spending").status_code == 200
    export = browser.get("/projects/spending?by=category&format=xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    other = browser.get(f"/projects/{pid + 1000}")
    assert other.status_code == 404


def test_foreign_project_page_is_404(app, browser, pworld, api):
    pid = _api_project(app, api)
    browser.login("pgp")
    assert browser.get(f"/projects/{pid}").status_code == 404
    assert browser.post(f"/projects/{pid}/payments", data={"amount_yuan": "1",
                                                           "paid_on": "2025-02-01"}
                        ).status_code == 404


@pytest.mark.skipif(not PG_URL, reason="row locks between connections need PostgreSQL")
def test_two_concurrent_payments_on_postgresql(app, pworld):
    import threading

    from registry.errors import ValidationFailed
    from registry.purchasing import payments

    with app.app_context():
        sq = user("psq")
        row = projects.create_project(sq, project_data(amount_fen=100))
        signed(row, sq)
        db.session.commit()
        pid = row.id
    results, barrier = [], threading.Barrier(2)

    def pay():
        with app.app_context():
            who = user("psq")
            project = projects.get_project(who, pid)
            barrier.wait()
            try:
                payments.add_payment(who, project, {"amount_fen": 60, "paid_on": "2025-02-01"})
                db.session.commit()
                results.append("paid")
            except ValidationFailed:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["paid", "refused"]
    with app.app_context():
        assert db.session.get(projects.PurchasedServiceProject, pid).paid_fen == 60

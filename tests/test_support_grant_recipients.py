"""Grants go only to registered organizations in good standing (issue 10.5): not to an
application, a deregistered organization or one on the 活动异常名录; by operations, page and API."""

from datetime import date

import pytest
from sqlalchemy import func, select

from registry.errors import ValidationFailed
from registry.extensions import db
from registry.organizations import records
from registry.organizations.models import Organization
from registry.support import operations as support
from registry.support.models import Grant
from tests.conftest import ApiClient
from tests.test_support_helpers import org_id, user, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("world")


def grant_data(org_name, **over):
    return {"organization_id": org_id(org_name), "grant_type": "venture",
            "amount_fen": 1_000_000, "purpose": "公益创投项目", "source": "区级财政",
            "granted_on": date(2025, 6, 1), **over}


def add_org(name, status, region="511302"):
    org = Organization(name=name, org_type="social_service", region_code=region, status=status)
    db.session.add(org)
    db.session.commit()
    return org


def listed(name="顺庆区阳光社工中心"):
    org = db.session.get(Organization, org_id(name))
    records.list_abnormal(user("sq1"), org, "missed_report", listed_on=date(2025, 7, 1))
    db.session.commit()
    return org


def test_only_registered_organizations_off_the_abnormal_list(ctx):
    for status in ("draft", "submitted", "returned"):
        add_org(f"顺庆区{status}服务中心", status)
        with pytest.raises(ValidationFailed) as error:
            support.record_grant(user("sq1"), grant_data(f"顺庆区{status}服务中心"))
        assert "只有已登记" in error.value.message and "organization" in error.value.fields
    with pytest.raises(ValidationFailed):
        support.record_grant(user("sq1"), grant_data("顺庆区已注销协会"))
    db.session.rollback()
    listed()
    with pytest.raises(ValidationFailed) as error:
        support.record_grant(user("sq1"), grant_data("顺庆区阳光社工中心"))
    assert "活动异常名录" in error.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
    assert support.record_grant(user("sq1"), grant_data("顺庆区助老协会")).status == "approved"


def test_no_payment_while_listed_or_deregistered(ctx):
    grant = support.record_grant(user("sq1"), grant_data("顺庆区阳光社工中心"))
    db.session.commit()
    org = listed()
    with pytest.raises(ValidationFailed) as error:
        support.pay_grant(user("sq1"), grant, date(2025, 8, 1))
    assert "活动异常名录" in error.value.message
    db.session.rollback()
    records.remove_abnormal(user("sq1"), org, "已补报年报", date(2025, 9, 1))
    support.pay_grant(user("sq1"), grant, date(2025, 9, 2))
    assert grant.status == "paid"
    other = support.record_grant(user("sq1"), grant_data("顺庆区助老协会"))
    db.session.commit()
    db.session.get(Organization, org_id("顺庆区助老协会")).status = "deregistered"
    with pytest.raises(ValidationFailed):
        support.pay_grant(user("sq1"), other, date(2025, 9, 2))
    db.session.rollback()
    support.cancel_grant(user("sq1"), other, "组织已注销")  # what is left to do
    assert other.status == "cancelled"


def test_grant_page_and_api_refuse_the_same(app, browser):
    with app.app_context():
        add_org("顺庆区待审服务中心", "submitted")
        listed()
        pending = org_id("顺庆区待审服务中心")
    browser.login("sq1")
    page = browser.get("/support/grants/new").get_data(as_text=True)
    assert "顺庆区助老协会" in page and "顺庆区待审服务中心" not in page  # suggestions
    base = {"grant_type": "venture", "amount": "10,000.00", "purpose": "公益创投项目",
            "source": "区级财政", "granted_on": "2025-06-01"}
    for name, message in (("顺庆区待审服务中心", "只有已登记"),
                          ("顺庆区阳光社工中心", "活动异常名录")):
        response = browser.post("/support/grants/new", {**base, "organization": name})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    api = ApiClient(app.test_client())
    api.token("sq1")
    response = api.post("/api/v1/grants", json={
        "organization_id": pending, "grant_type": "venture", "amount_fen": 100,
        "purpose": "公益创投项目", "source": "区级财政", "granted_on": "2025-06-01"})
    assert response.status_code == 422
    assert "organization" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 0

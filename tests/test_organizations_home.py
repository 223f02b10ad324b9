"""The home pages' work from the organizations area: officials count the applications waiting
for a decision in their jurisdiction (linking to the list of exactly those); a representative
whose application was returned reads the reason and what to do next."""

import re

from sqlalchemy import select

from registry.extensions import db
from registry.models import User
from registry.organizations import operations as orgs
from registry.organizations.models import Organization
from tests.home_cards import work_cards

LABEL = "待审查的社会组织"


def add_org(name, region, status="submitted", **fields):
    org = Organization(name=name, org_type="social_service", region_code=region,
                       authority_code=region, status=status, **fields)
    db.session.add(org)
    db.session.flush()
    return org


def test_official_counts_pending_organizations(app, browser, make_user):
    with app.app_context():
        add_org("顺庆甲社工中心", "511302")
        add_org("顺庆乙社工中心", "511302")
        add_org("顺庆丙社工中心", "511302", status="approved")
        add_org("高坪甲社工中心", "511303")
        db.session.commit()
    browser.login(make_user("county_official", "511302"))
    count, link = work_cards(browser.get("/").get_data(as_text=True))[LABEL]
    assert count == "2" and link == "/organizations/?status=submitted"
    listed = browser.get(link).get_data(as_text=True)
    assert len(re.findall(r'href="/organizations/\d+"', listed)) == 2
    assert "高坪甲" not in listed and "顺庆丙" not in listed
    city = type(browser)(app.test_client())
    city.login(make_user("city_official", "511300"))
    assert work_cards(city.get("/").get_data(as_text=True))[LABEL][0] == "3"
    app.config["HOME_COUNT_CAP"] = 2
    assert work_cards(city.get("/").get_data(as_text=True))[LABEL][0] == "2+"


def test_returned_applicant_reads_the_reason(app, browser, make_user):
    rep = make_user("org_admin", "511302")
    official = make_user("county_official", "511302")
    with app.app_context():
        org = add_org("顺庆丁社工中心", "511302")
        user = db.session.scalar(select(User).where(User.username == rep))
        user.organization_id = org.id
        db.session.commit()
        oid = org.id
    browser.login(rep)
    page = browser.get("/").get_data(as_text=True)
    assert "顺庆丁社工中心" in page and "正在等待民政部门" in page
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.username == official))
        orgs.return_application(staff, db.session.get(Organization, oid), "请补充章程")
        db.session.commit()
    page = browser.get("/").get_data(as_text=True)
    assert "申请被退回修改" in page and "请补充章程" in page and "重新提交" in page
    assert f'href="/organizations/{oid}"' in page

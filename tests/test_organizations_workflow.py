"""Organization applications: the workflow moves (allowed and refused), duplicates, scoping."""

from datetime import date

import pytest
from sqlalchemy import select

from registry import audit
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.organizations import operations as orgs
from registry.organizations import party_and_hubs
from registry.organizations.demo import make_uscc, sample_data
from registry.organizations.models import Organization
from registry.workflow import history
from tests.org_documents import hand_in

USCC = make_uscc("social_service", "511302", 1)


def user(name):
    """The user, who is also the actor of what follows (as a request would set it)."""
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


@pytest.fixture
def people(app, make_user):
    return {
        "city": make_user("city_official", "511300", "city1"),
        "shunqing": make_user("county_official", "511302", "sq1"),
        "gaoping": make_user("county_official", "511303", "gp1"),
        "station": make_user("station_admin", "511302001", "st1"),
        "rep": make_user("org_admin", "511300", "rep1"),
    }


def submitted(actor="sq1", **overrides):
    org = orgs.create_application(user(actor), sample_data(**overrides), submit=True)
    hand_in(user(actor), org)
    db.session.commit()
    return org


def test_full_cycle_return_fix_approve(ctx, people):
    rep = user("rep1")
    org = orgs.create_application(rep, sample_data())
    assert org.status == "draft" and rep.organization_id == org.id
    orgs.submit_application(rep, org)
    assert org.status == "submitted" and org.authority_code == "511302"
    assert org.registration_authority == "顺庆区民政局"
    official = user("sq1")
    with pytest.raises(ValidationFailed):
        orgs.return_application(official, org, "  ")
    orgs.return_application(official, org, "请补充章程")
    rep = user("rep1")
    assert org.status == "returned"
    orgs.update_application(rep, org, {"business_scope": "修改后的业务范围"})
    orgs.submit_application(rep, org)
    hand_in(rep, org)
    official = user("sq1")
    with pytest.raises(ValidationFailed) as error:
        orgs.approve(official, org)  # a registration needs its USCC
    assert "uscc" in error.value.fields
    orgs.approve(official, org, "同意", uscc=USCC, certificate_date=date(2026, 1, 5))
    db.session.commit()
    assert org.status == "approved" and org.uscc == USCC
    assert org.certificate_date == date(2026, 1, 5) and org.founded_on == date(2026, 1, 5)
    moves = history(org)
    assert [m.comment.split("：")[0] for m in moves] == [
        "提交申请", "退回修改", "提交申请", "准予登记"]
    assert moves[1].actor_name == "sq1" and "请补充章程" in moves[1].comment


def test_wrong_state_and_wrong_role_change_nothing(ctx, people):
    org = submitted()
    with pytest.raises(Conflict):
        orgs.submit_application(user("sq1"), org)
    with pytest.raises(Conflict):
        orgs.deregister(user("sq1"), org, "x")
    with pytest.raises(NotAllowed):
        orgs.approve(user("st1"), org, uscc=USCC)
    db.session.rollback()
    assert db.session.get(Organization, org.id).status == "submitted"
    orgs.reject(user("sq1"), org, "不符合条件")
    with pytest.raises(Conflict):
        orgs.approve(user("sq1"), org, uscc=USCC)
    with pytest.raises(Conflict):
        orgs.update_application(user("sq1"), org, {"name": "南充市另一个名称协会"})


def test_reject_needs_a_reason(ctx, people):
    org = submitted()
    with pytest.raises(ValidationFailed):
        orgs.reject(user("sq1"), org, "")
    db.session.rollback()
    assert db.session.get(Organization, org.id).status == "submitted"


def test_other_county_cannot_move(ctx, people):
    org = submitted()
    with pytest.raises(NotAllowed):
        orgs.approve(user("gp1"), org, uscc=USCC)
    with pytest.raises(NotAllowed):
        orgs.return_application(user("gp1"), org, "x")
    with pytest.raises(NotAllowed):
        orgs.update_application(user("gp1"), org, {"name": "x"})
    orgs.approve(user("city1"), org, uscc=USCC)  # the city decides for any county
    assert org.status == "approved"


def test_county_official_cannot_file_for_other_county_or_city(ctx, people):
    with pytest.raises(ValidationFailed) as error:
        orgs.create_application(user("sq1"), sample_data(region_code="511303"))
    assert "region_code" in error.value.fields
    with pytest.raises(ValidationFailed):
        orgs.create_application(user("sq1"), sample_data(region_code="511300"))


def test_township_filing_is_community_only_and_decided_by_county(ctx, people):
    with pytest.raises(ValidationFailed) as error:
        orgs.create_application(user("sq1"), sample_data(region_code="511302001"))
    assert "region_code" in error.value.fields
    org = submitted(org_type="community", region_code="511302001", name="中城街道邻里互助会",
                    registered_capital_fen=0)
    assert org.registration_kind == "filing" and org.authority_code == "511302"
    orgs.approve(user("sq1"), org)  # a filing needs no USCC
    assert org.status == "approved" and org.uscc is None


def test_deregister_releases_hub_links(ctx, people):
    hub = submitted(name="南充市顺庆区社会组织服务中心")
    member = submitted(name="南充市顺庆区志愿者协会", org_type="social_group")
    orgs.approve(user("sq1"), hub, uscc=USCC)
    orgs.approve(user("sq1"), member, uscc=make_uscc("social_group", "511302", 2))
    party_and_hubs.set_hub(user("city1"), hub, True)
    party_and_hubs.add_hub_member(user("city1"), hub, member)
    with pytest.raises(ValidationFailed):
        orgs.deregister(user("sq1"), hub, "")
    orgs.deregister(user("sq1"), hub, "自行解散")
    assert hub.status == "deregistered" and not hub.is_hub and member.hub_id is None
    assert hub.deregistered_at is not None


def test_duplicate_uscc_and_name(ctx, people):
    org = submitted()
    orgs.approve(user("sq1"), org, uscc=USCC)
    db.session.commit()
    with pytest.raises(Conflict) as error:
        orgs.create_application(user("sq1"), sample_data(name="南充市顺庆区另一个服务中心",
                                                         uscc=USCC))
    assert "uscc" in error.value.fields and org.name in error.value.message
    with pytest.raises(Conflict) as error:
        orgs.create_application(user("sq1"), sample_data(name="南充市顺庆区阳光社会工作服务中心"))
    assert "name" in error.value.fields and "已登记" in error.value.message
    # Same name, other authority (高坪区) is fine; brackets are normalised.
    gp = orgs.create_application(user("gp1"), sample_data(region_code="511303"))
    assert gp.authority_code == "511303"


def test_duplicate_names_an_invisible_application_without_its_details(ctx, people):
    submitted()
    with pytest.raises(Conflict) as error:
        orgs.create_application(user("rep1"), sample_data())
    assert "另一份已提交待审的申请" in error.value.message


def test_org_admin_binds_once(ctx, people):
    rep = user("rep1")
    orgs.create_application(rep, sample_data())
    with pytest.raises(Conflict):
        orgs.create_application(rep, sample_data(name="南充市顺庆区第二个服务中心"))


def test_moves_are_audited(ctx, people):
    org = submitted()
    orgs.return_application(user("sq1"), org, "补材料")
    db.session.commit()
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "transition",
                                                       AuditEntry.object_id == str(org.id)))
    assert len(list(rows)) == 2


def test_name_duplicates_ignore_bracket_width_and_spaces(ctx, people):
    submitted(name="南充市顺庆区阳光（社工）服务中心")
    with pytest.raises(Conflict):
        orgs.create_application(user("sq1"), sample_data(name=" 南充市顺庆区阳光(社工)服务中心 "))
    # A rejected application no longer holds its name.
    org = db.session.scalar(select(Organization))
    orgs.reject(user("sq1"), org, "材料不实")
    again = orgs.create_application(user("sq1"), sample_data(name="南充市顺庆区阳光(社工)服务中心"))
    assert again.name == "南充市顺庆区阳光（社工）服务中心"


def test_approval_dates_and_uscc_kind(ctx, people):
    org = submitted(founded_on=date(2025, 6, 1))
    with pytest.raises(ValidationFailed) as error:
        orgs.approve(user("sq1"), org, uscc=USCC, certificate_date=date(2025, 5, 1))
    assert "certificate_date" in error.value.fields  # before the founding date
    with pytest.raises(ValidationFailed) as error:
        orgs.approve(user("sq1"), org, uscc=make_uscc("social_group", "511302", 9))
    assert "第 2 位" in error.value.message  # a 社团 code for a 社会服务机构
    with pytest.raises(ValidationFailed):
        orgs.approve(user("sq1"), org, uscc="91511302MA0000000X")  # not a civil-affairs code
    db.session.rollback()
    assert db.session.get(Organization, org.id).status == "submitted"


def test_public_sees_only_approved(app, ctx):
    from registry.organizations.cli import seed_orgs

    seed_orgs(200)
    db.session.commit()
    approved = db.session.query(Organization).filter_by(status="approved").count()
    hidden = db.session.scalars(select(Organization.id).where(
        Organization.status != "approved")).all()
    client = app.test_client()
    body = client.get("/api/v1/public/organizations?per_page=100").get_json()
    assert body["total"] == approved
    assert all(item["status"] == "approved" for item in body["items"])
    for oid in hidden[:20]:
        assert client.get(f"/api/v1/public/organizations/{oid}").status_code == 404
        assert client.get(f"/registry/{oid}").status_code == 404

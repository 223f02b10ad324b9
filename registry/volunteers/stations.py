"""Volunteer service stations: coverage of townships, creating stations, appointing admins."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from registry import accounts, audit
from registry.clock import today_local
from registry.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, Region, User
from registry.scoping import get_visible, region_codes_under, region_visible, visible_select
from registry.texts import stored
from registry.validators import (
    check_person_name,
    check_text,
    normalize_office_phone,
    normalize_phone,
)
from registry.volunteers import township_counters
from registry.volunteers.models import Station, Volunteer

OFFICIALS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
EMPTY_STATS = {"active_volunteers": 0, "volunteers": 0, "activities": 0, "service_minutes": 0,
               "points_issued": 0, "points_redeemed": 0}


@dataclass
class TownshipRow:
    """One township of a coverage view: its station (or None), admins and this year's figures."""

    region: Region
    county: Region | None
    station: Station | None
    admins: list[User] = field(default_factory=list)
    stats: dict = field(default_factory=lambda: dict(EMPTY_STATS))


@dataclass
class Coverage:
    rows: list[TownshipRow]
    year: int
    townships: int
    with_station: int

    @property
    def without_station(self) -> int:
        return self.townships - self.with_station

    @property
    def totals(self) -> dict:
        out = dict(EMPTY_STATS)
        for row in self.rows:
            for key in out:
                out[key] += row.stats[key]
        return out


def coverage(user: User, *, only_missing: bool = False, county_code: str = "",
             year: int | None = None) -> Coverage:
    """Every township in user's jurisdiction with its station, admins and yearly figures.

    A handful of queries whatever the size of the data: regions, stations, admins and the
    TownshipYearStats rows (never a sum over volunteers or ledger entries).
    """
    if user.role not in (*OFFICIALS, STATION_ADMIN):
        raise NotAllowed(_("没有权限查看站点覆盖情况"))
    year = year or today_local().year
    codes = region_codes_under(user.region_code)
    stmt = select(Region).where(Region.level == "township", Region.code.in_(codes))
    if county_code:
        if not region_visible(user, county_code):
            raise ValidationFailed(_("所选县（市、区）不在您的管辖范围内"), "county")
        stmt = stmt.where(Region.county_code == county_code)
    regions = list(db.session.scalars(stmt.order_by(Region.code)))
    counties = {r.code: r for r in db.session.scalars(
        select(Region).where(Region.level == "county"))}
    stations = {s.township_code: s for s in db.session.scalars(visible_select(user, Station))}
    admins: dict[str, list[User]] = {}
    for admin in db.session.scalars(
        select(User).where(User.role == STATION_ADMIN, User.region_code.in_(codes),
                           User.active.is_(True)).order_by(User.id)
    ):
        admins.setdefault(admin.region_code, []).append(admin)
    stats = township_counters.totals(codes, year)
    rows = [
        TownshipRow(region, counties.get(region.county_code), stations.get(region.code),
                    admins.get(region.code, []), stats.get(region.code, dict(EMPTY_STATS)))
        for region in regions
    ]
    with_station = sum(1 for row in rows if row.station)
    if only_missing:
        rows = [row for row in rows if row.station is None]
    return Coverage(rows, year, len(regions), with_station)


def station_of_township(code: str) -> Station | None:
    return db.session.scalar(select(Station).where(Station.township_code == code))


def _station_fields(data: Mapping) -> dict:
    errors: dict[str, list[str]] = {}

    def run(name, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationFailed as error:
            for key, messages in error.fields.items():
                errors.setdefault(key, []).extend(messages)
            return None

    values = {
        "name": run("name", check_text, data.get("name"), "name", _("站点名称"), max_length=100),
        "address": run("address", check_text, data.get("address"), "address", _("地址"),
                       required=False, max_length=200) or "",
        "contact_name": run("contact_name", check_text, data.get("contact_name"), "contact_name",
                            _("联系人"), required=False, max_length=50) or "",
        "contact_phone": run("contact_phone", normalize_office_phone, data.get("contact_phone"),
                             "contact_phone", required=False) or "",
    }
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=errors)
    return values


def create_station(user: User, data: Mapping) -> Station:
    """An official creates the station of a township in their jurisdiction (one per township)."""
    if user.role not in OFFICIALS:
        raise NotAllowed(_("只有市、县级民政干部可以设立志愿服务站"))
    code = str(data.get("township_code") or "").strip()
    region = db.session.get(Region, code) if code and len(code) <= 9 else None
    if region is None or region.level != "township":
        raise ValidationFailed(_("请选择乡镇（街道）"), "township_code")
    if not region_visible(user, code):
        raise ValidationFailed(_("该乡镇（街道）不在您的管辖范围内"), "township_code")
    existing = station_of_township(code)
    if existing is not None:
        raise Conflict(_("%(name)s已设立志愿服务站“%(name2)s”，每个乡镇（街道"
                         "）只设一个站",
                         name=region.name,
                         name2=existing.name), "township_code")
    values = _station_fields({**data, "name": data.get("name")
                              or stored(f"{region.name}志愿服务站")})
    station = Station(township_code=code, established_on=today_local(), **values)
    db.session.add(station)
    db.session.flush()
    return station


def update_station(user: User, station: Station, data: Mapping) -> Station:
    """Officials and the station's own admins edit name, address and contact."""
    if get_visible(user, Station, station.id) is None:
        raise NotFound(_("志愿服务站不存在"))
    for key, value in _station_fields({**data, "name": data.get("name") or station.name}).items():
        setattr(station, key, value)
    db.session.flush()
    return station


def station_admins(station: Station) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == STATION_ADMIN, User.region_code == station.township_code)
        .order_by(User.id)))


def reset_admin_password(user: User, station: Station, admin_id: int) -> tuple[User, str]:
    """A temporary password for one of the station's admins (accounts.RESET_IN_REGION: the
    county's official), shown once to hand over in person."""
    if get_visible(user, Station, station.id) is None:
        raise NotFound(_("志愿服务站不存在"))
    admin = next((a for a in station_admins(station) if a.id == admin_id), None)
    if admin is None:
        raise NotFound(_("站点管理员不存在"))
    return admin, accounts.reset_temporary_password(user, admin)


def appoint_admin(user: User, station: Station, data: Mapping) -> tuple[User, str]:
    """Create a station_admin account for the station's township; the temporary password is
    returned to be shown once."""
    if user.role not in OFFICIALS or get_visible(user, Station, station.id) is None:
        raise NotFound(_("志愿服务站不存在"))
    display_name = check_person_name(data.get("display_name"), "display_name", _("姓名"))
    phone = normalize_phone(data.get("phone"), "phone", required=False) or None
    username = str(data.get("username") or "").strip()
    if not username:
        raise ValidationFailed(_("请填写用户名"), "username")
    admin, password = accounts.create_user(username, None, STATION_ADMIN, station.township_code,
                                           f"{station.name} {display_name}", phone=phone)
    audit.record("appoint_admin", station, comment=f"任命站点管理员 {admin.username}")
    return admin, password


def list_stations(user: User, args: Mapping):
    """The stations user may see (a select for paginate_query), newest first."""
    stmt = visible_select(user, Station)
    region = (args.get("region_code") or args.get("township_code") or "").strip()
    if region:
        if not region.isdigit() or len(region) > 9:
            raise ValidationFailed(_("区划代码应为数字"), "region_code")
        stmt = stmt.where(Station.township_code.in_(region_codes_under(region)))
    q = (args.get("q") or "").strip()
    if q:
        if len(q) > 50:
            raise ValidationFailed(_("搜索内容不能超过 50 个字符"), "q")
        stmt = stmt.where(Station.name.contains(q, autoescape=True))
    return stmt.order_by(Station.id.desc())


def public_stations_stmt(args: Mapping):
    """All stations for the public list (no personal data beyond the station's contact)."""
    stmt = select(Station)
    region = (args.get("region_code") or "").strip()
    if region:
        if not region.isdigit() or len(region) > 9:
            raise ValidationFailed(_("区划代码应为数字"), "region_code")
        stmt = stmt.where(Station.township_code.in_(region_codes_under(region)))
    return stmt.order_by(Station.id.desc())


def dashboard(user: User, station: Station, year: int | None = None) -> dict:
    """A township's figures for its station page: this year's activity, active and pending
    volunteers (summary rows plus one indexed count), and the admins."""
    if get_visible(user, Station, station.id) is None:
        raise NotFound(_("志愿服务站不存在"))
    year = year or today_local().year
    stats = township_counters.totals(select(Region.code).where(
        Region.code == station.township_code), year).get(station.township_code, dict(EMPTY_STATS))
    pending = db.session.scalar(
        select(func.count()).select_from(Volunteer)
        .where(Volunteer.status == "pending", Volunteer.township_code == station.township_code))
    return {"station": station, "year": year, "stats": stats, "pending": pending or 0,
            "admins": station_admins(station)}

"""志愿服务记录证明: issue a signed certificate from confirmed records, render it, verify it.

"谁组织谁记录，谁记录谁证明" (民政部令第67号): a certificate is issued by one station and
covers only the service that station recorded. A volunteer who served at several stations
gets one certificate per station (the pages list each station with its hours; the API takes
`station_id`, needed only when there is more than one).

Each certificate is stored (ServiceCertificate, append-only) with a serial and an HMAC
(the app's SECRET_KEY) of serial + volunteer + station + total minutes + issue date. The
public page and API look the serial up and recompute the HMAC: a made-up serial is not
found, a row whose figures were changed no longer matches its signature. Asking again on the
same day with the same total returns the same certificate rather than a new serial.

A certificate vouches for the hours as they were when it was issued. Once a correction changes
a record it covered, it is superseded: verification answers "updated" (已更新), no longer
vouches for its hours, and points to the current certificate of the same volunteer and station
when one has been issued since.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.activities.certificate_pdf import (
    CertificateData,
    MissingGlyphError,
    ServiceLine,
    render_certificate,
)
from registry.activities.models import (
    ACTIVITY_CATEGORIES,
    ServiceCertificate,
    ServiceCorrection,
    ServiceRecord,
)
from registry.clock import isoformat, to_local, today_local
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_name
from registry.models import STATION_ADMIN, User
from registry.volunteers.models import Station, Volunteer

SERIAL_RE = re.compile(r"^ZYFW\d{4}[0-9A-F]{10}$")
ID_TYPE = _l("居民身份证")


@dataclass(frozen=True)
class StationService:
    """A station where the volunteer has confirmed service, and how much."""

    station: Station
    minutes: int
    records: int


def service_by_station(volunteer: Volunteer) -> list[StationService]:
    """The stations that recorded the volunteer's service, most minutes first."""
    records = db.session.scalars(
        select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id)
        .options(selectinload(ServiceRecord.corrections), selectinload(ServiceRecord.station),
                 selectinload(ServiceRecord.reviews))
    )
    totals: dict[int, list] = {}
    for record in records:
        if record.current_minutes <= 0:
            continue  # waiting for approval, rejected or corrected to nothing
        entry = totals.setdefault(record.station_id, [record.station, 0, 0])
        entry[1] += record.current_minutes
        entry[2] += 1
    out = [StationService(s, m, n) for s, m, n in totals.values() if m > 0]
    return sorted(out, key=lambda item: (-item.minutes, item.station.id))


def choose_station(volunteer: Volunteer, station_id=None) -> StationService:
    """The station whose certificate is wanted (it must have recorded service)."""
    services = service_by_station(volunteer)
    if not services:
        raise NotFound(_("您还没有已确认的服务记录，暂不能出具证明"))
    if station_id in (None, ""):
        if len(services) == 1:
            return services[0]
        choices = "、".join(f"{s.station.id}（{s.station.name}）" for s in services)
        raise ValidationFailed(
            _("您在多个服务站有服务记录，证明由各站分别出具，请用"
              " station_id 指定：%(choices)s",
              choices=choices),
            "station_id")
    for service in services:
        if str(service.station.id) == str(station_id):
            return service
    raise NotFound(_("您在该服务站没有已确认的服务记录"), "station_id")


def sign(serial: str, volunteer_id: int, station_id: int, total_minutes: int,
         issued_on) -> str:
    """The keyed signature of a certificate's content."""
    message = f"{serial}|{volunteer_id}|{station_id}|{total_minutes}|{issued_on.isoformat()}"
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _new_serial() -> str:
    return f"ZYFW{today_local().year}{secrets.token_hex(5).upper()}"


def issue(volunteer: Volunteer, station_id=None) -> ServiceCertificate:
    """The volunteer's certificate from one station: today's if unchanged, else a new one."""
    service = choose_station(volunteer, station_id)
    today = today_local()
    latest = db.session.scalar(
        select(ServiceCertificate).where(ServiceCertificate.volunteer_id == volunteer.id,
                                         ServiceCertificate.station_id == service.station.id)
        .order_by(ServiceCertificate.id.desc()).limit(1))
    if (latest is not None and latest.issued_on == today
            and latest.total_minutes == service.minutes and is_valid(latest)
            and superseded_at(latest) is None):
        return latest
    serial = _new_serial()
    while db.session.scalar(select(ServiceCertificate.id).where(
            ServiceCertificate.serial == serial)):
        serial = _new_serial()  # pragma: no cover - 40 random bits
    cert = ServiceCertificate(
        serial=serial, volunteer_id=volunteer.id, station_id=service.station.id,
        township_code=service.station.township_code, issuer=service.station.name,
        total_minutes=service.minutes, record_count=service.records, issued_on=today,
        signature=sign(serial, volunteer.id, service.station.id, service.minutes, today),
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def verify_url(serial: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/certificates/{serial}"


def _handler(station: Station) -> str:
    name = db.session.scalar(select(User.display_name).where(
        User.role == STATION_ADMIN, User.region_code == station.township_code,
        User.active.is_(True)).order_by(User.id).limit(1))
    return name or "—"


def certificate_data(cert: ServiceCertificate) -> CertificateData:
    """What the PDF prints: identity (ID masked), each record of the station, the issuer."""
    volunteer, station = cert.volunteer, cert.station
    records = db.session.scalars(
        select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id,
                                    ServiceRecord.station_id == station.id)
        .options(selectinload(ServiceRecord.activity), selectinload(ServiceRecord.corrections),
                 selectinload(ServiceRecord.reviews))
        .order_by(ServiceRecord.started_at))
    # 服务内容 is what the volunteers did (the activity's content), never its practical notes.
    lines = [
        ServiceLine(activity=r.activity.title, content=_service_content(r.activity),
                    date=to_local(r.started_at).date(), place=r.activity.address or "—",
                    minutes=r.current_minutes, organizer=station.name)
        for r in records if r.current_minutes > 0
    ]
    return CertificateData(
        serial=cert.serial, holder_name=volunteer.name, id_type=ID_TYPE,
        id_number_masked=volunteer.id_number_masked, volunteer_no=volunteer.volunteer_no,
        total_minutes=cert.total_minutes, records=lines, issuer_name=cert.issuer,
        issuer_person_in_charge=station.contact_name or "—", issuer_handler=_handler(station),
        issuer_contact=station.contact_phone or "—", issued_on=cert.issued_on,
        verify_url=verify_url(cert.serial), signature=cert.signature[:32].upper(),
        seal_text=current_app.config["CERTIFICATE_SEAL_TEXT"],
    )


def _service_content(activity) -> str:
    """The activity's content on one line, shortened; its category when it has none."""
    text = " ".join((activity.content or "").split())
    if not text:
        return ACTIVITY_CATEGORIES.get(activity.category, "—")
    return text if len(text) <= 120 else text[:119] + "…"


def render(cert: ServiceCertificate) -> bytes:
    """The certificate as PDF bytes."""
    try:
        return render_certificate(certificate_data(cert))
    except MissingGlyphError as error:
        raise Conflict(_("%(error)s。请联系服务站处理。", error=error)) from None


def is_valid(cert: ServiceCertificate) -> bool:
    """Whether the stored figures still match the signature."""
    expected = sign(cert.serial, cert.volunteer_id, cert.station_id, cert.total_minutes,
                    cert.issued_on)
    return hmac.compare_digest(expected, cert.signature or "")


def superseded_at(cert: ServiceCertificate):
    """When a correction first changed a record the certificate covered, or None."""
    return db.session.scalar(
        select(func.min(ServiceCorrection.created_at))
        .join(ServiceRecord, ServiceRecord.id == ServiceCorrection.record_id)
        .where(ServiceCorrection.volunteer_id == cert.volunteer_id,
               ServiceRecord.station_id == cert.station_id,
               ServiceRecord.confirmed_at <= cert.issued_at,
               ServiceCorrection.created_at > cert.issued_at))


def current_certificate(cert: ServiceCertificate) -> ServiceCertificate | None:
    """The newest certificate of the same volunteer and station, if it still vouches."""
    latest = db.session.scalar(
        select(ServiceCertificate).where(ServiceCertificate.volunteer_id == cert.volunteer_id,
                                         ServiceCertificate.station_id == cert.station_id)
        .order_by(ServiceCertificate.id.desc()).limit(1))
    if latest is None or latest.id == cert.id or not is_valid(latest):
        return None
    return None if superseded_at(latest) else latest


def verify(serial: str) -> dict | None:
    """The public answer for a serial, or None when it is unknown or its content was changed.

    status "valid": the platform vouches for the hours; "updated": a correction has changed
    them since (valid is false), with the current certificate's serial when there is one."""
    serial = (serial or "").strip().upper()
    if not SERIAL_RE.match(serial):
        return None
    cert = db.session.scalar(select(ServiceCertificate).where(
        ServiceCertificate.serial == serial))
    if cert is None or not is_valid(cert):
        return None
    result = {"valid": True, "status": "valid", "serial": cert.serial,
              "holder": mask_name(cert.volunteer.name), "total_minutes": cert.total_minutes,
              "issued_at": isoformat(cert.issued_at), "issued_on": cert.issued_on.isoformat(),
              "issuer": cert.issuer, "updated_at": None, "current_serial": None,
              "current_url": None}
    updated = superseded_at(cert)
    if updated is not None:
        current = current_certificate(cert)
        result.update(valid=False, status="updated", updated_at=isoformat(updated),
                      current_serial=current.serial if current else None,
                      current_url=verify_url(current.serial) if current else None)
    return result


def certificates_count(volunteer: Volunteer) -> int:
    return db.session.scalar(select(func.count()).select_from(ServiceCertificate).where(
        ServiceCertificate.volunteer_id == volunteer.id)) or 0

"""Public verification of 志愿服务记录证明 by serial (the page a certificate's QR code opens)."""

from flask import Blueprint, redirect, render_template, request, url_for

from registry.activities import certificates

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


@bp.route("/")
def lookup():
    serial = (request.args.get("serial") or "").strip()[:40]
    if serial:
        return redirect(url_for(".verify", serial=serial))
    return render_template("certificates/lookup.html")


@bp.route("/<serial>")
def verify(serial: str):
    result = certificates.verify(serial[:40])
    status = 200 if result else 404
    return render_template("certificates/verify.html", result=result, serial=serial[:40]), status

"""Test helper: hand in an application's checklist documents (approval needs every one)."""

import io

from registry.organizations import documents

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def hand_in(user, org, skip=()):
    """Upload one small PDF for each required document of org, but those in skip."""
    for kind in documents.required_kinds(org.org_type, org.supervisory_unit):
        if kind not in skip:
            documents.save_document(user, org, io.BytesIO(PDF), f"{kind}.pdf", kind)


def hand_in_api(api, org_id, skip=()):
    """The same through the API (multipart uploads), as the caller api.token() set."""
    checklist = api.get(f"/api/v1/organizations/{org_id}/documents").get_json()["checklist"]
    for item in checklist:
        if item["kind"] not in skip and not item["uploaded"]:
            response = api.post(f"/api/v1/organizations/{org_id}/documents",
                                data={"kind": item["kind"],
                                      "file": (io.BytesIO(PDF), f"{item['kind']}.pdf")})
            assert response.status_code == 201, response.get_json()


def hand_in_page(browser, org_id, kinds):
    """The same through the organization page's upload form, one kind at a time."""
    for kind in kinds:
        response = browser.post(f"/organizations/{org_id}/documents",
                                {"kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

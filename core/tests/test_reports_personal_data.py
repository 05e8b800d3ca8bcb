"""A citizen's reports in their data export, and what their erasure does to them."""

from __future__ import annotations

from sieuapp.core.notifications.models import Notification
from sieuapp.core.reports import photos
from sieuapp.core.reports.models import Report, ReportFollower, ReportPhoto
from sieuapp.sdk import Role
from sqlalchemy import func, select

from .pages_helpers import PASSWORD
from .reports_helpers import LAT, LON, image_bytes

REPORT = {
    "category": "road-damage",
    "description": "Ổ gà lớn trước số 12 Lê Lợi",
    "lat": LAT,
    "lon": LON,
    "address": "12 Lê Lợi, Huế",
    "attributes": {"severity": "high"},
}


def _upload(client) -> int:
    answer = client.post(
        "/api/v1/reports/photos",
        data={"file": (__import__("io").BytesIO(image_bytes()), "p.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def test_reports_are_exported_and_erasure_detaches_them(platform) -> None:
    citizen = platform.client(Role.CITIZEN)
    ioc = platform.client(Role.IOC_OPERATOR)
    sent_photo = _upload(citizen)
    unsent_photo = _upload(citizen)
    created = citizen.post("/api/v1/reports", json={**REPORT, "photo_ids": [sent_photo]})
    assert created.status_code == 201, created.json
    rid = created.json["id"]
    for action in ("moderate", "assign"):
        assert ioc.post(f"/api/v1/reports/{rid}/actions/{action}", json={}).status_code == 200

    data = citizen.get("/api/v1/me/data").json
    (mine,) = data["reports"]
    assert (mine["id"], mine["category"], mine["description"]) == (
        rid,
        "road-damage",
        REPORT["description"],
    )
    assert data["report_follows"] == [rid]
    assert [p["id"] for p in data["report_photos_not_sent"]] == [unsent_photo]
    assert {n["kind"] for n in data["notifications"]} >= {"report.submitted"}

    with platform.context() as session:
        unsent = session.get(ReportPhoto, unsent_photo)
        unsent_file = platform.runtime.files.root / photos.space(unsent.tenant_id)
        unsent_file = unsent_file / unsent.original_key
    assert unsent_file.is_file()
    erased = citizen.post("/api/v1/me/erasure", json={"password": PASSWORD, "confirm": "citizen"})
    assert erased.status_code == 200, erased.json
    kept = {k["category"] for k in erased.json["kept"] if k["source"] == "core"}
    assert "reports" in kept
    core = {e["category"]: e["count"] for e in erased.json["erased"] if e["source"] == "core"}
    assert core["reports"] == 1 and core["report_photos"] == 1 and core["notifications"] >= 1

    user_id = platform.users[Role.CITIZEN].id
    with platform.context() as session:
        report = session.get(Report, rid)
        # The public record stays, handled and counted, but names nobody.
        assert report.reporter_id is None and report.status == "assigned"
        assert report.description == REPORT["description"]
        assert session.get(ReportPhoto, sent_photo).uploaded_by is None
        assert session.get(ReportPhoto, unsent_photo) is None
        for model, column in (
            (ReportFollower, ReportFollower.user_id),
            (Notification, Notification.user_id),
        ):
            count = session.scalar(select(func.count()).select_from(model).where(column == user_id))
            assert count == 0, model
    assert not unsent_file.exists()
    assert platform.client().get(f"/api/v1/public/reports/{rid}").status_code == 200

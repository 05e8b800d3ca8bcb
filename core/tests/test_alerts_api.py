"""The alerts API: roles, tenants, an official's own organization, drafts, listing, audit."""

from __future__ import annotations

from sieuapp.core.alerts.models import Alert
from sieuapp.core.audit.models import AuditEntry
from sieuapp.core.tenancy.provinces import create_tenant
from sqlalchemy import func, select

from .alerts_support import alert_data
from .reports_support import make_member


def count(platform, model) -> int:
    with platform.context() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_roles_tenants_and_organizations(platform):
    citizen = platform.client("citizen")
    assert citizen.post("/api/v1/alerts", json=alert_data()).status_code == 403
    assert citizen.get("/api/v1/alerts").status_code == 403
    assert platform.client().get("/api/v1/alerts").status_code == 401

    official = platform.client("official")
    made = official.post("/api/v1/alerts", json=alert_data())
    assert made.status_code == 201, made.json
    alert_id = made.json["id"]

    with platform.context() as session:
        make_member(session, "other-official", "so-y-te")
        make_member(session, "same-official", "so-xay-dung")
        create_tenant(session, "danang", 48)
    with platform.context() as session:
        from sieuapp.core.identity import accounts
        from sieuapp.core.identity.models import User
        from sieuapp.core.tenancy.models import Tenant

        tokens = {}
        for name in ("other-official", "same-official"):
            user = session.scalar(select(User).where(User.username == name))
            hue = session.scalar(select(Tenant.id).where(Tenant.slug == "hue"))
            tokens[name], _ = accounts.issue_token(session, user, hue, 3600)

    def as_user(name):
        client = platform.client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[name]}"
        return client

    audits = count(platform, AuditEntry)
    other = as_user("other-official")
    assert other.post(f"/api/v1/alerts/{alert_id}/publish", json={}).status_code == 403
    assert other.delete(f"/api/v1/alerts/{alert_id}").status_code == 403
    assert count(platform, AuditEntry) == audits
    same = as_user("same-official")
    published = same.post(f"/api/v1/alerts/{alert_id}/publish", json={})
    assert published.status_code == 200, published.json
    assert published.json["state"] == "published" and published.json["targets"] == 1

    # Another tenant's operator does not see Huế's alert.
    elsewhere = platform.client("ioc_operator", tenant="danang")
    assert elsewhere.get(f"/api/v1/alerts/{alert_id}").status_code in (401, 404)

    ioc = platform.client("ioc_operator")
    updated = ioc.post(f"/api/v1/alerts/{alert_id}/update", json={"severity": "Extreme"})
    assert updated.status_code == 201, updated.json
    assert updated.json["msg_type"] == "Update"
    assert [t["state"] for t in updated.json["thread"]] == ["superseded", "published"]
    bad = ioc.post(f"/api/v1/alerts/{updated.json['id']}/update", json={"severity": "Big"})
    assert bad.status_code == 422 and "severity" in bad.json["errors"]
    assert ioc.post(f"/api/v1/alerts/{updated.json['id']}/cancel", json={}).status_code == 422
    cancelled = ioc.post(f"/api/v1/alerts/{updated.json['id']}/cancel", json={"note": "Hết lũ"})
    assert cancelled.status_code == 201, cancelled.json
    assert cancelled.json["msg_type"] == "Cancel"
    assert count(platform, AuditEntry) == audits + 3

    listed = ioc.get("/api/v1/alerts?state=published").json
    assert [i["id"] for i in listed["items"]] == [cancelled.json["id"]]
    assert ioc.get("/api/v1/alerts?state=nope").status_code == 422


def test_drafts_are_edited_and_deleted_only_as_drafts(platform):
    admin = platform.client("province_admin")
    made = admin.post("/api/v1/alerts", json=alert_data()).json
    edited = admin.patch(f"/api/v1/alerts/{made['id']}", json={"urgency": "Soon"})
    assert edited.status_code == 422 and "urgency" in edited.json["errors"]
    before = count(platform, Alert)
    assert admin.delete(f"/api/v1/alerts/{made['id']}").status_code == 204
    assert count(platform, Alert) == before - 1
    again = admin.post("/api/v1/alerts", json=alert_data()).json
    admin.post(f"/api/v1/alerts/{again['id']}/publish", json={})
    assert admin.patch(f"/api/v1/alerts/{again['id']}", json={"headline": "x"}).status_code == 409
    assert admin.delete(f"/api/v1/alerts/{again['id']}").status_code == 409
    assert admin.get(f"/api/v1/alerts/{again['id']}").json["deliveries"] == {}

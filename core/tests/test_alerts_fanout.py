"""Fan-out: batches after a cursor, one message per user per channel, none outside the area."""

from __future__ import annotations

import pytest
from sieuapp.core.alerts import fanout, publishing
from sieuapp.core.alerts.compose import new_draft
from sieuapp.core.alerts.models import Alert
from sieuapp.core.tasks.models import OutboxMessage
from sqlalchemy import func, select

from .alerts_support import PHU_XUAN, VY_DA, add_boundaries, alert_data, place_user, square
from .notifications_support import RECORDER_ENV, recorded, recorder_plugin
from .reports_support import tenant_id


@pytest.fixture
def recorder(make_platform, synthetic, tmp_path, monkeypatch):
    log = tmp_path / "recorder.jsonl"
    monkeypatch.setenv(RECORDER_ENV, str(log))
    synthetic("recorder", recorder_plugin())
    platform = make_platform(plugins=["recorder"], entry_points=synthetic.entry_points())
    return platform, log


def test_fan_out_reaches_each_user_in_the_area_once_in_batches(recorder, monkeypatch):
    platform, log = recorder
    monkeypatch.setattr(fanout, "BATCH", 3)
    with platform.context() as session:
        hue = tenant_id(session)
        add_boundaries(session, hue)
        inside = [place_user(session, hue, f"home{i}", PHU_XUAN) for i in range(7)]
        # In Vỹ Dạ now, at a point the polygon covers; and another outside it.
        inside.append(
            place_user(session, hue, "visitor", VY_DA, kind="current", lat=16.47, lon=107.525)
        )
        outside = [
            place_user(session, hue, "farvisitor", VY_DA, kind="current", lat=16.47, lon=107.535),
            place_user(session, hue, "elsewhere", "19815"),
        ]
        alert = new_draft(
            session,
            hue,
            alert_data(
                areas=[
                    {"area_desc": "Phú Xuân", "communes": [PHU_XUAN]},
                    {"area_desc": "Bờ sông", "polygons": [square(16.465, 107.52, 0.01)]},
                ]
            ),
            created_by=None,
        )
        publishing.publish(session, alert, None)
        alert_id = alert.id
    platform.run_tasks()
    messages = recorded(log)
    assert sorted(m["user_id"] for m in messages) == sorted(inside)
    assert not {m["user_id"] for m in messages} & set(outside)
    assert {m["channel"] for m in messages} == {"web_push"}
    with platform.context() as session:
        stored = session.get(Alert, alert_id)
        assert stored.recipients == len(inside)
        assert stored.fanout_finished_at is not None
        steps = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.task == "alerts.fan_out")
        )
        # 9 candidates in batches of 3, and the step that finds none left.
        assert steps == 4


def test_a_superseded_alert_s_fan_out_stops(platform):
    with platform.context() as session:
        hue = tenant_id(session)
        users = [place_user(session, hue, f"p{i}", PHU_XUAN, push=False) for i in range(4)]
        alert = new_draft(session, hue, alert_data(), created_by=None)
        publishing.publish(session, alert, None)
        session.flush()
        assert fanout.fan_out_step(session, alert.id, "", batch=2) == sorted(users)[1]
        alert.state = "superseded"
        session.flush()
        assert fanout.fan_out_step(session, alert.id, sorted(users)[1], batch=2) is None
        session.refresh(alert)
        assert alert.recipients == 2

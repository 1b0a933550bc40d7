"""An inspection result cannot be dated before the draw that picked the target: before the
fix, a draw run on 2026-11-26 accepted inspected_on=2019-01-01 and published it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.records.models import CreditRecord
from xinyong.supervision import draws
from xinyong.supervision.models import Draw, DrawTarget

from .draws_helpers import ensure_policies, make_pool, roster, staff, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


def _uscc() -> str:
    from stdnum.cn import uscc

    body = "11410503MB1234567"
    return body + uscc.calc_check_digit(body)


def _drawn_days_ago(days: int) -> tuple[Draw, DrawTarget]:
    make_pool({"D": 10})
    roster(2)
    draw = draws.run_draw(
        actor=None, draw=draws.create_draw(actor=None, unit=unit(), title="食品经营双随机抽查")
    )
    drawn_on = timezone.localdate() - timedelta(days=days)
    at = timezone.make_aware(datetime.combine(drawn_on, time(10, 0)))
    Draw.objects.filter(pk=draw.pk).update(drawn_at=at)
    draw.refresh_from_db()
    target = draw.targets.select_related("draw", "subject").first()
    assert target is not None
    return draw, target


def _record(target: DrawTarget, day: str, n: int = 1) -> CreditRecord:
    return draws.record_inspection(
        actor=None,
        target=target,
        document_number=f"北关市监检〔2026〕{n}号",
        inspected_on=day,
        matters="食品经营许可事项",
        outcome="未发现问题",
        legal_rep="张三",
        inspecting_unit_code=_uscc(),
    )


@pytest.mark.parametrize("written", ["2019-01-01", "2019/1/1", "2019年1月1日", "DAY_BEFORE"])
def test_inspection_before_the_draw_is_refused(written: str) -> None:
    draw, target = _drawn_days_ago(3)
    drawn_on = timezone.localdate() - timedelta(days=3)
    day = (drawn_on - timedelta(days=1)).isoformat() if written == "DAY_BEFORE" else written
    shown = (drawn_on - timedelta(days=1)).isoformat() if written == "DAY_BEFORE" else "2019-01-01"
    with pytest.raises(DomainError) as caught:
        _record(target, day)
    assert caught.value.message == (
        f"检查日期 {shown} 早于本次抽查的抽取日期 {drawn_on.isoformat()}，"
        "抽查对象只能在抽取之后检查，请核对检查日期。"
    )
    target.refresh_from_db()
    assert target.inspection_record_id is None
    assert not CreditRecord.objects.filter(record_type__code="XZJC").exists()
    page = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert "2019-01-01" not in page and "北关市监检〔2026〕1号" not in page


def test_inspection_on_the_draw_day_and_later_is_accepted() -> None:
    draw, target = _drawn_days_ago(3)
    drawn_on = timezone.localdate() - timedelta(days=3)
    record = _record(target, drawn_on.isoformat())
    assert record.decision_date == drawn_on
    other = draw.targets.exclude(pk=target.pk).select_related("draw", "subject").first()
    assert other is not None
    assert _record(other, timezone.localdate().isoformat(), 2).decision_date == (
        timezone.localdate()
    )


def test_staff_form_shows_the_message() -> None:
    _draw, target = _drawn_days_ago(0)
    reporter = Client()
    reporter.force_login(staff()["reporter"])
    answer = reporter.post(
        f"/workspace/supervision/draws/targets/{target.pk}/inspection/",
        {
            "document_number": "北关市监检〔2026〕9号",
            "inspected_on": "2019-01-01",
            "matters": "食品经营许可事项",
            "outcome": "未发现问题",
            "legal_rep": "张三",
            "inspecting_unit_code": _uscc(),
        },
    )
    assert answer.status_code == 200
    assert (
        f"检查日期 2019-01-01 早于本次抽查的抽取日期 {timezone.localdate().isoformat()}"
        in answer.content.decode()
    )

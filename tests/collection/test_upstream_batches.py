"""Upstream batches (上级平台下发): what the city platform pushes down is stored under the
receiving unit without a reporting deadline; the deadlines settled when a calendar year is
loaded leave it alone; the city's changed copy never overwrites a unit's own record; the batches the
inbox imported before upstream batches existed are marked as such by the migration."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from xinyong.collection.models import Batch, QualityWarning
from xinyong.collection.services import ingest_rows, pushed_down
from xinyong.core import calendar_services
from xinyong.core.models import CalendarYear
from xinyong.exchange.models import InboundFile
from xinyong.orgs.models import Role
from xinyong.records.models import CreditRecord

from .ingest_helpers import org_row
from .qhelpers import user
from .test_rules_review_fixes import holiday_cn_2027

pytestmark = pytest.mark.django_db

PROVINCE = "河南省市场监督管理局"


def _ingest(
    rows: list[dict[str, Any]], channel: str, reported_on: date, unit: Any = "区发改委"
) -> Any:
    return ingest_rows(
        actor=None,
        unit=unit,
        record_type="XZCF",
        rows=rows,
        reported_on=reported_on,
        channel=channel,
    )


def test_loading_a_calendar_year_gives_no_deadline_to_pushed_down_records(clock: Any) -> None:
    clock.today = date(2027, 1, 20)
    CalendarYear.objects.filter(year__gte=2027).delete()
    city = _ingest(
        [org_row(1, CF_JDRQ="2026-12-28", CF_CFJG=PROVINCE)],
        Batch.Channel.UPSTREAM,
        date(2027, 1, 8),
    )
    own = _ingest([org_row(2, CF_JDRQ="2026-12-28")], Batch.Channel.API, date(2027, 1, 8))
    # No 期限未定 note for the city's batch: it has no deadline to wait for.
    assert not any("期限未定" in w for w in city.warnings)
    assert city.warnings[0].startswith("市平台下发的数据：")
    assert any("期限未定" in w for w in own.warnings)

    calendar_services.import_holiday_cn_json(data=holiday_cn_2027(), actor=None)

    pushed = CreditRecord.objects.get(batch=city.batch)
    assert (pushed.deadline, pushed.is_late) == (None, False)
    mine = CreditRecord.objects.get(batch=own.batch)
    assert (mine.deadline, mine.is_late) == (date(2027, 1, 7), True)
    late = QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD)
    assert list(late.values_list("record_id", flat=True)) == [mine.pk]


def test_pages_say_the_pushed_down_record_has_no_deadline(clock: Any) -> None:
    clock.today = date(2026, 11, 27)
    city = _ingest([org_row(1, CF_CFJG=PROVINCE)], Batch.Channel.UPSTREAM, date(2026, 11, 27))
    client = Client()
    client.force_login(user("up_admin", Role.CREDIT_ADMIN, "区发改委"))
    record = CreditRecord.objects.get(batch=city.batch)
    page = client.get(f"/workspace/collection/records/{record.pk}/").content.decode()
    assert "不适用（市平台下发，不计入报送单位的及时率）" in page
    assert "迟报</span>" not in page
    page = client.get(f"/workspace/collection/batches/{city.batch.pk}/").content.decode()
    assert "上级平台下发" in page
    assert "市平台下发的数据：不是本单位对自身决定的报送" in page


def test_the_city_never_overwrites_a_units_own_record(clock: Any) -> None:
    clock.today = date(2026, 11, 27)
    _ingest([org_row(1)], Batch.Channel.API, date(2026, 11, 20))
    _ingest([org_row(2, CF_CFJG=PROVINCE)], Batch.Channel.UPSTREAM, date(2026, 11, 20))
    own, pushed = CreditRecord.objects.order_by("id")

    # The city's changed copy of the office's own record: refused, the record unchanged.
    city = _ingest([org_row(1, CF_NR="罚款3000元")], Batch.Channel.UPSTREAM, date(2026, 11, 27))
    assert (city.accepted, city.updated, city.rejected) == (0, 0, 1)
    assert city.errors[0].code == "own_record"
    assert city.errors[0].message == (
        "该记录已由“区发改委”自行报送，市平台下发的内容与之不同，不覆盖单位自行报送的记录；"
        "如有错误，请由该单位更正"
    )
    # (The other direction, the unit reporting a pushed-down record itself, takes it over:
    # test_upstream_takeover.)
    for record in (own, pushed):
        before = (record.version, record.batch_id, record.deadline, record.is_late)
        record.refresh_from_db()
        assert (record.version, record.batch_id, record.deadline, record.is_late) == before
    assert (own.deadline, own.is_late) == (date(2026, 3, 11), True)
    assert (pushed.deadline, pushed.is_late) == (None, False)

    # The same content from the other side is a duplicate, not a refusal.
    again = _ingest([org_row(1)], Batch.Channel.UPSTREAM, date(2026, 11, 27))
    assert (again.duplicates, again.rejected) == (1, 0)
    # The city correcting its own record: accepted, still without a deadline.
    fixed = _ingest(
        [org_row(2, CF_CFJG=PROVINCE, CF_NR="罚款3000元")],
        Batch.Channel.UPSTREAM,
        date(2026, 11, 27),
    )
    assert (fixed.updated, fixed.rejected, fixed.late) == (1, 0, 0)
    pushed.refresh_from_db()
    assert (pushed.version, pushed.deadline, pushed.is_late) == (2, None, False)


def test_pushed_down_marks_any_ingest_inside_as_upstream(clock: Any) -> None:
    clock.today = date(2026, 11, 27)
    with pushed_down():
        result = _ingest([org_row(1, CF_CFJG=PROVINCE)], Batch.Channel.CLI, date(2026, 11, 27))
    assert (result.batch.channel, result.late) == (Batch.Channel.UPSTREAM, 0)
    after = _ingest([org_row(2)], Batch.Channel.CLI, date(2026, 11, 27))
    assert (after.batch.channel, after.late) == (Batch.Channel.CLI, 1)


def test_migration_marks_the_batches_the_inbox_imported_before(clock: Any) -> None:
    migration = __import__(
        "xinyong.collection.migrations.0006_upstream_channel", fromlist=["mark_upstream"]
    )
    clock.today = date(2026, 11, 27)
    # As stored before: a 命令行 batch, its record late, a late-record warning raised.
    old = _ingest([org_row(1, CF_CFJG=PROVINCE)], Batch.Channel.CLI, date(2026, 11, 27))
    own = _ingest([org_row(2)], Batch.Channel.CLI, date(2026, 11, 27))
    InboundFile.objects.create(
        filename="xzcf-province.csv",
        sha256="a" * 64,
        size=1,
        kind=InboundFile.Kind.RECORDS,
        code="XZCF",
        status=InboundFile.Status.DONE,
        batch_id=old.batch.pk,
    )
    assert QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD).count() == 2

    migration.mark_upstream(apps, None)

    old.batch.refresh_from_db()
    assert (old.batch.channel, old.batch.late) == (Batch.Channel.UPSTREAM, 0)
    pushed = CreditRecord.objects.get(batch=old.batch)
    assert (pushed.deadline, pushed.is_late) == (None, False)
    mine = CreditRecord.objects.get(batch=own.batch)
    assert (mine.deadline, mine.is_late) == (date(2026, 3, 11), True)
    late = QualityWarning.objects.filter(kind=QualityWarning.Kind.LATE_RECORD)
    assert list(late.values_list("record_id", flat=True)) == [mine.pk]


def test_a_pushed_down_record_is_not_corrected_by_hand() -> None:
    """The city's content prevails (as for a correction by upload): a staff correction would
    also give the record a deadline and a 迟报 mark that no rate counts."""
    from xinyong.core.errors import DomainError
    from xinyong.records.services import correct_record

    city = _ingest(
        [org_row(1, CF_JDRQ="2026-03-02", CF_CFJG=PROVINCE)],
        Batch.Channel.UPSTREAM,
        date(2026, 11, 26),
    )
    pushed = CreditRecord.objects.get(batch=city.batch)
    with pytest.raises(DomainError, match="由市平台下发"):
        correct_record(
            actor=None, record=pushed, changes={"CF_JDRQ": "2026-03-03"}, reason="日期有误"
        )
    pushed.refresh_from_db()
    assert (pushed.version, pushed.deadline, pushed.is_late) == (1, None, False)

"""The set-based notice issue of a batch: which records get a notice, the number, the
refresh of existing notices, and the safety net for missing windows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Q

from xinyong.catalog.models import RecordType
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord
from xinyong.rights import notices
from xinyong.rights.models import RepairNotice

from .repair_helpers import penalty_row, store

pytestmark = pytest.mark.django_db


def _due_by_the_orm(batch_id: int) -> set[int]:
    """The records the ORM query of the first version selected (the reference)."""
    return set(
        CreditRecord.objects.filter(
            Q(record_type__code="XZCF") | Q(nature="dishonest"),
            batch_id=batch_id,
            status=CreditRecord.Status.ACTIVE,
            publicity__is_published=True,
            publicity__ended_on__isnull=True,
        )
        .exclude(record_type__code="SXBZXR")
        .values_list("pk", flat=True)
    )


def test_eligibility_of_types_natures_status_and_windows() -> None:
    result = store([penalty_row(n) for n in range(1, 10)])
    records = {int(r.document_number.split("〕")[1][:-1]): r for r in CreditRecord.objects.all()}
    by_code = dict(RecordType.objects.values_list("code", "pk"))

    def change(n: int, **values: object) -> None:
        CreditRecord.objects.filter(pk=records[n].pk).update(**values)

    change(2, record_type_id=by_code["SXBZXR"])  # court list: never
    change(3, record_type_id=by_code["CNWN"])  # another dishonest type: yes
    change(4, record_type_id=by_code["XZXK"], nature="neutral")  # neither: no
    change(5, record_type_id=by_code["XZXK"])  # not a penalty but dishonest: yes
    change(6, status=CreditRecord.Status.WITHDRAWN)
    PublicityWindow.objects.filter(record=records[7]).update(is_published=False)
    PublicityWindow.objects.filter(record=records[8]).update(ended_on=date(2026, 5, 1))
    RepairNotice.objects.all().delete()

    created = notices.issue_notices_for_batch(result.batch.pk)

    expected = {records[n].pk for n in (1, 3, 5, 9)}
    assert _due_by_the_orm(result.batch.pk) == expected
    assert set(RepairNotice.objects.values_list("record_id", flat=True)) == expected
    assert created == 4
    assert notices.issue_notices_for_batch(result.batch.pk) == 0


def test_number_takes_the_year_of_the_decision() -> None:
    store([penalty_row(1, decided="2025-12-30")], reported_on=date(2026, 1, 5))
    notice = RepairNotice.objects.get()
    assert notice.number == notices.notice_number(notice.record_id, 2025)
    assert notice.number == f"XFGZ2025{notice.record_id:010d}"


def test_existing_notices_get_the_window_dates_even_when_no_longer_due() -> None:
    result = store([penalty_row(1), penalty_row(2)])
    first, second = CreditRecord.objects.order_by("id")
    PublicityWindow.objects.filter(record=first).update(
        repair_from=date(2026, 7, 1), ends_on=date(2027, 7, 1)
    )
    PublicityWindow.objects.filter(record=second).update(
        repair_from=date(2026, 8, 1), ends_on=date(2027, 8, 1), ended_on=date(2026, 9, 1)
    )

    assert notices.issue_notices_for_batch(result.batch.pk) == 0

    dates = {
        n.record_id: (n.earliest_repair_on, n.publicity_ends_on) for n in RepairNotice.objects.all()
    }
    assert dates == {
        first.pk: (date(2026, 7, 1), date(2027, 7, 1)),
        second.pk: (date(2026, 8, 1), date(2027, 8, 1)),
    }


def test_a_batch_with_old_and_new_records_gets_only_the_missing_notices() -> None:
    result = store([penalty_row(1), penalty_row(2), penalty_row(3)])
    kept = RepairNotice.objects.order_by("record_id").first()
    assert kept is not None
    RepairNotice.objects.exclude(pk=kept.pk).delete()

    assert notices.issue_notices_for_batch(result.batch.pk) == 2
    assert RepairNotice.objects.filter(pk=kept.pk).exists()
    assert RepairNotice.objects.count() == 3


def test_missing_windows_are_computed_first() -> None:
    result = store([penalty_row(1), penalty_row(2)])
    RepairNotice.objects.all().delete()
    PublicityWindow.objects.all().delete()

    assert notices.issue_notices_for_batch(result.batch.pk) == 2

    assert PublicityWindow.objects.count() == 2
    assert set(RepairNotice.objects.values_list("earliest_repair_on", "publicity_ends_on")) == {
        (date(2026, 6, 11), date(2027, 3, 10))
    }

"""Repair opens the day after the minimum period's last day. A minimum of N months
counted from the decision date ends on the corresponding day N months later (民法典
arts. 201/202), as the maximum does for `ends_on`: decided 2026-03-10, the 3-month
minimum's last day is 06-10 and repair may be asked for from 06-11 (国办发〔2025〕22号:
"repair can be asked for after the minimum"). Windows stored before the fix move by
migration publicity 0006."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps

from xinyong.publicity.models import PublicityWindow
from xinyong.rights.models import RepairNotice

from .helpers import penalty

pytestmark = pytest.mark.django_db

MIGRATION = "xinyong.publicity.migrations.0006_repair_from_after_minimum"


def window(record) -> PublicityWindow:
    return PublicityWindow.objects.select_related("policy").get(record=record)


def test_repair_from_is_the_day_after_the_minimum_s_last_day() -> None:
    general = window(penalty(1, decided="2026-03-10"))
    assert general.policy.code == "GBF2025_22_GENERAL"
    # The maximum's last public day and the minimum's last day are both add_months.
    assert (general.starts_on, general.repair_from, general.ends_on) == (
        date(2026, 3, 10),
        date(2026, 6, 11),
        date(2027, 3, 10),
    )
    serious = window(penalty(2, decided="2026-03-10", CF_SXCD="严重"))
    assert (serious.repair_from, serious.ends_on) == (date(2027, 3, 11), date(2029, 3, 10))
    # Clamped month end: 2025-11-30 + 3 months ends 2026-02-28, repair from 03-01.
    late_month = window(penalty(3, decided="2025-11-30"))
    assert (late_month.repair_from, late_month.ends_on) == (date(2026, 3, 1), date(2026, 11, 30))
    # No minimum (22号 轻微): repair may be asked for from the decision date itself.
    minor = window(penalty(4, decided="2026-03-10", CF_SXCD="轻微"))
    assert (minor.repair_from, minor.ends_on) == (date(2026, 3, 10), date(2026, 6, 10))


def test_migration_moves_stored_windows_and_notices_one_day_and_back() -> None:
    migration = importlib.import_module(MIGRATION)
    general = penalty(1, decided="2026-03-10")
    minor = penalty(2, decided="2026-03-10", CF_SXCD="轻微")
    clamped = penalty(3, decided="2026-03-10")
    edited = penalty(4, decided="2026-03-10")
    # As the old rule stored them: repair_from on the minimum's last day, copied onto the
    # repair notice; a window whose minimum reached its last public day was clamped to it.
    PublicityWindow.objects.filter(pk=general.pk).update(repair_from=date(2026, 6, 10))
    RepairNotice.objects.filter(record=general).update(earliest_repair_on=date(2026, 6, 10))
    PublicityWindow.objects.filter(pk=clamped.pk).update(
        repair_from=date(2026, 6, 10), ends_on=date(2026, 6, 10)
    )
    PublicityWindow.objects.filter(pk=edited.pk).update(repair_from=date(2026, 7, 1))

    def stored() -> dict[int, tuple[date | None, date | None]]:
        notices = dict(RepairNotice.objects.values_list("record_id", "earliest_repair_on"))
        return {
            pk: (repair_from, notices.get(pk))
            for pk, repair_from in PublicityWindow.objects.values_list("pk", "repair_from")
        }

    migration.after_the_minimum(django_apps, None)
    moved = stored()
    assert moved[general.pk] == (date(2026, 6, 11), date(2026, 6, 11))
    assert moved[minor.pk][0] == date(2026, 3, 10)
    assert moved[clamped.pk][0] == date(2026, 6, 10)
    assert moved[edited.pk][0] == date(2026, 7, 1)
    # Run twice: nothing moves again.
    migration.after_the_minimum(django_apps, None)
    assert stored() == moved

    migration.on_the_minimum_s_last_day(django_apps, None)
    back = stored()
    assert back[general.pk] == (date(2026, 6, 10), date(2026, 6, 10))
    assert (back[minor.pk][0], back[clamped.pk][0], back[edited.pk][0]) == (
        date(2026, 3, 10),
        date(2026, 6, 10),
        date(2026, 7, 1),
    )

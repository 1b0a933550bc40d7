"""Windows computed while `repair_from` was the minimum period's last day: move it, and
the copy on the record's repair notice, to the day after (publicity.rules: a minimum of N
months counted from `starts_on` ends on add_months(starts_on, N), 民法典 arts. 201/202;
repair may be asked for once it has passed). Reverse: back one day.

A window moves only when its `repair_from` is exactly what the old rule gave for its
policy's minimum: `add_months(starts_on, min_months)`, before `ends_on`. Where that day
reached `ends_on`, both rules clamp to `ends_on` and nothing changes; windows without a
minimum (or without a policy) start repair on `starts_on` under both rules.

Keyset pages over the windows' primary key (= the record id), so that a million windows
cost one pass and small indexed updates, not one scan per decision date."""

import calendar
from collections import defaultdict
from datetime import date, timedelta

from django.db import migrations

CHUNK = 2000


def _add_months(day: date, months: int) -> date:
    # Frozen copy of publicity.rules.add_months: a migration must not change with the code.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _shift(apps, *, forward: bool) -> None:
    Window = apps.get_model("publicity", "PublicityWindow")
    Notice = apps.get_model("rights", "RepairNotice")
    Policy = apps.get_model("catalog", "PublicityPolicy")
    minimum = dict(Policy.objects.filter(min_months__gt=0).values_list("pk", "min_months"))
    if not minimum:
        return
    windows = Window.objects.filter(
        policy_id__in=list(minimum),
        starts_on__isnull=False,
        repair_from__isnull=False,
        ends_on__isnull=False,
    ).order_by("pk")
    last = None
    while True:
        page = windows if last is None else windows.filter(pk__gt=last)
        chunk = list(
            page.values_list("pk", "policy_id", "starts_on", "repair_from", "ends_on")[:CHUNK]
        )
        if not chunk:
            return
        last = chunk[-1][0]
        moves = defaultdict(list)
        for pk, policy_id, starts_on, repair_from, ends_on in chunk:
            old = _add_months(starts_on, minimum[policy_id])
            new = old + timedelta(days=1)
            if new > ends_on:
                continue
            source, target = (old, new) if forward else (new, old)
            if repair_from == source:
                moves[(source, target)].append(pk)
        for (source, target), pks in moves.items():
            Window.objects.filter(pk__in=pks, repair_from=source).update(repair_from=target)
            Notice.objects.filter(record_id__in=pks, earliest_repair_on=source).update(
                earliest_repair_on=target
            )


def after_the_minimum(apps, schema_editor) -> None:
    _shift(apps, forward=True)


def on_the_minimum_s_last_day(apps, schema_editor) -> None:
    _shift(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("publicity", "0005_explanation_stored_once"),
        ("catalog", "0001_initial"),
        ("rights", "0003_repair_terminated"),
    ]

    operations = [
        migrations.RunPython(after_the_minimum, on_the_minimum_s_last_day),
    ]

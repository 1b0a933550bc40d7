"""信用修复型 commitments recorded before they had a check day get it: the day after the
last day of the repaired record's longest publicity period (services.repair_check_day),
read from the record's stored publicity window — the period is publicity's, not
recomputed here. A commitment whose record has no window or no maximum keeps no date; a
date already set is left alone. `updated_at` is not touched: the city platform is not
sent the check day (exchange.payloads has no field for it)."""

from datetime import timedelta

from django.db import migrations

# Frozen copies: a migration must not change when the code does.
REPAIR = "repair"
# publicity.models.expiry_day: the first day after the last public day.
DAY_AFTER = timedelta(days=1)
CHUNK = 900  # ids per statement: under SQLite's historic 999-parameter limit


def backfill(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    by_day: dict = {}
    for pk, ends_on in Commitment.objects.filter(
        kind=REPAIR,
        verify_due__isnull=True,
        repair_application__record__publicity__ends_on__isnull=False,
    ).values_list("pk", "repair_application__record__publicity__ends_on"):
        by_day.setdefault(ends_on + DAY_AFTER, []).append(pk)
    for day, pks in by_day.items():
        for i in range(0, len(pks), CHUNK):
            Commitment.objects.filter(pk__in=pks[i : i + CHUNK]).update(verify_due=day)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0002_commitmentserial"),
        ("publicity", "0006_repair_from_after_minimum"),
        ("rights", "0001_initial"),
    ]

    # Backwards: nothing to undo that matters (the dates are what the code now sets).
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

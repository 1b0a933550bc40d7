"""The seeded criteria of 政府违约毁约 and 新官不理旧账 say that a commitment broken by a new
leadership is deducted under 新官不理旧账 only (过罚相当, 国办发〔2020〕49号), as the
evaluation now scores it. Only rows still carrying the seeded text change: criteria the
credit office rewrote are its own."""

from django.db import migrations

# Frozen copies of the seed texts: a migration must not change when the data file does.
CHANGES = (
    (
        "broken_commitments",
        "认定未兑现的合同、协议、承诺每件扣 2.5 分",
        "认定未兑现的合同、协议、承诺每件扣 2.5 分；属新官不理旧账的只在 SXJN06 扣分，"
        "本项不重复扣分（过罚相当，国办发〔2020〕49号）",
    ),
    (
        "legacy_cases",
        "每件扣 2 分",
        "每件扣 2 分；含因换届或领导调整认定未兑现的政府承诺（不再计入 SXJN04）",
    ),
)


def _rewrite(apps, forward: bool) -> None:
    Indicator = apps.get_model("integrity", "Indicator")
    for metric, old, new in CHANGES:
        before, after = (old, new) if forward else (new, old)
        Indicator.objects.filter(metric=metric, criteria=before).update(criteria=after)


def forwards(apps, schema_editor):
    _rewrite(apps, True)


def backwards(apps, schema_editor):
    _rewrite(apps, False)


class Migration(migrations.Migration):
    dependencies = [("integrity", "0003_backfill_cause_gone_on")]

    operations = [migrations.RunPython(forwards, backwards)]

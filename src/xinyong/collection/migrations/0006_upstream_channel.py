"""Batches pushed down by the city platform get a channel of their own (上级平台下发).

The batches already imported from the inbox (exchange.InboundFile.batch) were stored as
命令行 batches and their records given the receiving unit's 7-working-day deadline
(发改办财金〔2018〕424号), which counts from the unit's own decision: they become upstream
batches, their records lose the deadline and the 迟报 mark, and the late-record warnings
raised for them are removed (the 约谈预警 of repeated lateness follows with the next
quality check)."""

from typing import Any

from django.db import migrations, models


def mark_upstream(apps: Any, schema_editor: Any) -> None:
    InboundFile = apps.get_model("exchange", "InboundFile")
    Batch = apps.get_model("collection", "Batch")
    CreditRecord = apps.get_model("records", "CreditRecord")
    QualityWarning = apps.get_model("collection", "QualityWarning")
    ids = sorted(
        set(InboundFile.objects.filter(batch__isnull=False).values_list("batch_id", flat=True))
    )
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        Batch.objects.filter(pk__in=part).update(channel="upstream", late=0)
        records = CreditRecord.objects.filter(batch_id__in=part)
        QualityWarning.objects.filter(
            kind="late_record", record_id__in=records.values("pk")
        ).delete()
        records.update(deadline=None, is_late=False)


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0005_warning_facts"),
        ("exchange", "0002_outbox_commitment"),
        ("records", "0007_withdrawal_kind"),
    ]

    operations = [
        migrations.AlterField(
            model_name="batch",
            name="channel",
            field=models.CharField(
                choices=[
                    ("upload", "网页上传"),
                    ("api", "接口报送"),
                    ("form", "单条录入"),
                    ("cli", "命令行"),
                    ("upstream", "上级平台下发"),
                ],
                max_length=10,
                verbose_name="渠道",
            ),
        ),
        migrations.RunPython(mark_upstream, migrations.RunPython.noop),
    ]

"""ListEntry.exchange_uid: the entry's identity towards the city platform, instead of its
row id. Existing entries get their row id as text, so the 记录标识 the city already holds
for them (`<node>-MD-<id>`) stays the same and its copy is updated, not duplicated; new
entries get a random one."""

from django.db import migrations, models
from django.db.models.functions import Cast

import xinyong.sanctions.models


def backfill(apps, schema_editor):
    ListEntry = apps.get_model("sanctions", "ListEntry")
    ListEntry.objects.update(exchange_uid=Cast("id", output_field=models.CharField(max_length=32)))


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0003_listtype_locally_designable"),
    ]

    operations = [
        migrations.AddField(
            model_name="listentry",
            name="exchange_uid",
            field=models.CharField(
                editable=False, max_length=32, null=True, verbose_name="交换标识"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="listentry",
            name="exchange_uid",
            field=models.CharField(
                default=xinyong.sanctions.models.new_exchange_uid,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="交换标识",
            ),
        ),
    ]

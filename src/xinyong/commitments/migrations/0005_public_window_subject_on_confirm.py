"""A public-window commitment names no credit subject until its confirmation step (issue 6
§1): `Commitment.subject` may be empty while the commitment is 待确认. Going back, the
attempts still waiting without a subject are deleted first — they are abandoned or
short-lived (30 minutes to confirm), never announced nor public — so that the column can
be required again."""

import django.db.models.deletion
from django.db import migrations, models

# Frozen copy: a migration must not change when the code does.
UNCONFIRMED = "unconfirmed"


def drop_unconfirmed_without_subject(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Commitment.objects.filter(subject__isnull=True, status=UNCONFIRMED).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0004_lapse_unapproved_repair_commitments"),
        ("subjects", "0003_bulk_load_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="commitment",
            name="subject",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="commitments",
                to="subjects.subject",
                verbose_name="承诺人",
            ),
        ),
        # Listed after the change so that, going back, it runs before the column is
        # required again.
        migrations.RunPython(migrations.RunPython.noop, drop_unconfirmed_without_subject),
    ]

"""Commitments keep the matter's 核查期限 in working days they were made under
(`verify_workdays`): the platform fills a 核查期限待定 date when the missing calendar year
is loaded and recomputes computed dates when a loaded year's holidays change.

Existing commitments get their matter's current period when their date was computed from
it: a date is stored, the commitment belongs to no repair application (those follow the
repaired record's publicity window) and the matter has a period. Before this change a
date in a year not loaded was refused, so no stored commitment is pending; one without a
date was made under a matter without a period and keeps none."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    CommitmentMatter = apps.get_model("commitments", "CommitmentMatter")
    period = CommitmentMatter.objects.filter(pk=OuterRef("matter_id")).values(
        "verification_workdays"
    )[:1]
    Commitment.objects.filter(
        verify_due__isnull=False,
        repair_application__isnull=True,
        matter__verification_workdays__gt=0,
    ).update(verify_workdays=Subquery(period))


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0005_public_window_subject_on_confirm"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="verify_workdays",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="承诺作出时承诺事项规定的核查期限（工作日），核查期限据此按工作日历计算",
                null=True,
                verbose_name="核查期限工作日数",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

"""A report records the issuer's unit as a unit, not only as the name printed
(`issued_unit`): unit staff see the reports their unit issued, and a clerk moved to
another unit since must not take them along (reports.selectors.reports_visible_to).

Reports issued before get the unit their `issued_unit` names — the issuer's unit name at
the time (User.affiliation) — by the unit's name, or a recorded spelling of it
(UnitAlias) for a unit renamed since. A bank's name, 信用主体自助获取 or an empty name
resolves to no unit and is left without one."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Unit = apps.get_model("orgs", "Unit")
    UnitAlias = apps.get_model("orgs", "UnitAlias")
    names = (
        Report.objects.filter(issuing_unit__isnull=True)
        .exclude(issued_unit="")
        .values_list("issued_unit", flat=True)
        # Without the model's ordering, which would put the ordering columns into the
        # DISTINCT and give one name per report.
        .order_by()
        .distinct()
    )
    for name in list(names):
        unit_id = Unit.objects.filter(name=name).values_list("pk", flat=True).first()
        if unit_id is None:
            unit_id = (
                UnitAlias.objects.filter(alias=name, unit__isnull=False)
                .values_list("unit_id", flat=True)
                .first()
            )
        if unit_id is not None:
            Report.objects.filter(issuing_unit__isnull=True, issued_unit=name).update(
                issuing_unit_id=unit_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0006_superusers_are_credit_admins"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="issuing_unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.unit",
                verbose_name="出具单位（机构）",
            ),
        ),
        # Backwards: the column is dropped with the field.
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

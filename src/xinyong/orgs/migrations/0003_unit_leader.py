"""单位负责人 (role `unit_leader`): a unit's head reads that unit's data only.

Before this role existed a unit's head was set up as a 领导 (`leader`) with a unit, which
read every unit's data like a district leader (个人信息保护法 art. 6, art. 51: least
privilege). Every `leader` account with a unit becomes a `unit_leader` of that unit; a
`leader` without a unit (a district leader) stays as it is. Then the database keeps the
rule: a `leader` has no unit, a `unit_leader` has one.

Reverse: the constraints go, and every `unit_leader` becomes a `leader` with its unit
again — which, under the code of 0002, reads every unit's data, as before this change.
"""

from django.db import migrations, models


def leaders_with_a_unit_to_unit_leaders(apps, schema_editor) -> None:
    User = apps.get_model("orgs", "User")
    User.objects.filter(role="leader", unit__isnull=False).update(role="unit_leader")


def unit_leaders_to_leaders(apps, schema_editor) -> None:
    User = apps.get_model("orgs", "User")
    User.objects.filter(role="unit_leader").update(role="leader")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0002_user_granted_units"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("credit_admin", "信用办管理员"),
                    ("reporter", "部门填报员"),
                    ("reviewer", "部门审核员"),
                    ("leader", "领导"),
                    ("unit_leader", "单位负责人"),
                    ("org_dept", "组织部门"),
                    ("bank", "银行用户"),
                ],
                default="reporter",
                max_length=20,
                verbose_name="角色",
            ),
        ),
        migrations.RunPython(leaders_with_a_unit_to_unit_leaders, unit_leaders_to_leaders),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("role", "leader"), _negated=True),
                    ("unit__isnull", True),
                    _connector="OR",
                ),
                name="leader_has_no_unit",
                violation_error_message=(
                    "领导账号查看全区数据，不能指定所属单位；单位的负责人请使用“单位负责人”角色。"
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("role", "unit_leader"), _negated=True),
                    ("unit__isnull", False),
                    _connector="OR",
                ),
                name="unit_leader_has_unit",
                violation_error_message="单位负责人必须属于一个责任单位。",
            ),
        ),
    ]

"""Superusers made by `createsuperuser` before AccountManager stored the model's default
role (部门填报员) with no unit, although they act as 信用办管理员 (permissions.role_of): the
admin showed the wrong role, and saving a unit for one of them through set_role dropped
its rights. Their stored role now says what they are. A superuser whose role was set on
purpose (any other role, or a unit) is left as it is."""

from typing import Any

from django.db import migrations

import xinyong.orgs.models


def forwards(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("orgs", "User")
    User.objects.filter(is_superuser=True, role="reporter", unit__isnull=True).update(
        role="credit_admin", is_staff=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0005_chinese_field_names"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", xinyong.orgs.models.AccountManager()),
            ],
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

"""Windows computed before the shared texts kept their explanation in their own column:
move each distinct text into `Explanation`, point the windows at it, drop the column, so
that the text has one home."""

import hashlib

from django.db import migrations

CHUNK = 2000


def move_texts(apps, schema_editor):
    Explanation = apps.get_model("publicity", "Explanation")
    PublicityWindow = apps.get_model("publicity", "PublicityWindow")
    own = PublicityWindow.objects.filter(shared_explanation__isnull=True).exclude(explanation="")
    for text in own.values_list("explanation", flat=True).distinct().iterator():
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        shared, _ = Explanation.objects.get_or_create(digest=digest, defaults={"text": text})
        own.filter(explanation=text).update(shared_explanation=shared)


def keep_texts(apps, schema_editor):
    PublicityWindow = apps.get_model("publicity", "PublicityWindow")
    Explanation = apps.get_model("publicity", "Explanation")
    for shared in Explanation.objects.iterator():
        PublicityWindow.objects.filter(shared_explanation=shared).update(explanation=shared.text)


class Migration(migrations.Migration):
    dependencies = [
        ("publicity", "0004_derived_rows_without_db_constraint"),
    ]

    operations = [
        migrations.RunPython(move_texts, keep_texts),
        migrations.RemoveField(model_name="publicitywindow", name="explanation"),
    ]

"""A trigram index for the public one-click query by name (publicity.selectors.
find_public_subjects: `name__icontains`, i.e. UPPER(name) LIKE UPPER('%…%')), which a
B-tree cannot serve. PostgreSQL only: pg_trgm is a trusted extension (PG 13+), so the
database owner may create it; trigrams of Chinese text work under a UTF-8 ctype
(measured in bench/query.py). SQLite keeps scanning, which is fine at district size."""

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS subject_name_trgm ON subjects_subject "
        "USING gin (upper((name)::text) gin_trgm_ops)"
    )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS subject_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

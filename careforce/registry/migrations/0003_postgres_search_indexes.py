"""Prefix search (LIKE 'zs%') on PostgreSQL needs pattern-ops indexes when the collation is not C."""

from django.db import migrations

INDEXES = [
    ("worker_name_initials_like", "name_initials"),
    ("worker_name_pinyin_like", "name_pinyin"),
    ("worker_name_like", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON registry_worker ({column} varchar_pattern_ops, id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_occupations")]

    operations = [migrations.RunPython(create, drop)]

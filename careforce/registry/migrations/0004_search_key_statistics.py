"""Finer planner statistics for the name search keys on PostgreSQL (bench/registry.py, docs/benchmarks.md).

With the default statistics target (100 histogram buckets) PostgreSQL estimates `name_pinyin LIKE
'zhangs%'` at about 90 rows of 1,000,000 when 5,600 match (张 alone is ~7 % of names, so a prefix under it
falls inside one bucket). Believing the match rare, it fetches and joins every match and sorts them for the
25 newest: 44 ms. With 2,000 buckets the estimate is right (5,500) and it walks the primary key backwards
until it has 25 matches: 2 ms. It changes no data and no index, only what ANALYZE samples.
"""

from django.db import migrations

COLUMNS = ("name", "name_pinyin", "name_initials")


def _set(schema_editor, target: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    clauses = ", ".join(f"ALTER COLUMN {column} SET STATISTICS {target}" for column in COLUMNS)
    schema_editor.execute(f"ALTER TABLE registry_worker {clauses}")


def forwards(apps, schema_editor):
    _set(schema_editor, 2000)


def backwards(apps, schema_editor):
    _set(schema_editor, -1)  # back to default_statistics_target


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_postgres_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]

"""The table of the database cache (settings.CACHES, careforce.core.cache), where the rate limits count.

Made here so that `careforce migrate` is all a new installation needs; the same statement as Django's
`createcachetable` (which still works, and skips a table that exists). Made whatever the cache backend is
now, so that switching from Redis back to the database needs no extra step.
"""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

TABLE = "careforce_cache"


def create(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_accounts_separation_of_duties")]

    operations = [migrations.RunPython(create, drop)]

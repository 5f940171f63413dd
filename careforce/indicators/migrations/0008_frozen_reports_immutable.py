"""Frozen period reports refuse UPDATE and DELETE in the database (careforce/core/db/immutable.py); a report
keeps its whole content in its one row."""

from django.db import migrations

from careforce.core.db.immutable import Guard, install, uninstall

GUARDS = [Guard("indicators_periodreport")]


class Migration(migrations.Migration):
    dependencies = [("indicators", "0007_versions_from_the_write_side")]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install(schema_editor, GUARDS),
            lambda apps, schema_editor: uninstall(schema_editor, GUARDS),
        )
    ]

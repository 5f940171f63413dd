"""Published rankings and their rows refuse UPDATE and DELETE in the database (careforce/core/db/immutable.py).

A snapshot and its rows are always published; a working ranking and its rows only once a snapshot exists
for it (a draft can still be recomputed)."""

from django.db import migrations

from careforce.core.db.immutable import Guard, install, uninstall

PUBLISHED = "EXISTS (SELECT 1 FROM rankings_rankingsnapshot s WHERE s.ranking_id = {ranking})"
GUARDS = [
    Guard("rankings_rankingsnapshot"),
    Guard("rankings_snapshotrow"),
    Guard("rankings_ranking", PUBLISHED.format(ranking="OLD.id")),
    Guard("rankings_rankingrow", PUBLISHED.format(ranking="OLD.ranking_id")),
]


class Migration(migrations.Migration):
    dependencies = [("rankings", "0002_defaults")]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install(schema_editor, GUARDS),
            lambda apps, schema_editor: uninstall(schema_editor, GUARDS),
        )
    ]

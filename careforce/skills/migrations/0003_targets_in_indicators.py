"""The certification target moves to the indicators' one targets table (indicators.Target), which every page
reads. A value edited here before is carried over; then the skills copy is dropped."""

import datetime

from django.db import migrations


def carry_over(apps, schema_editor):
    try:
        Old = apps.get_model("skills", "Target")
    except LookupError:  # run again on a migrated database (the browser tests' reference-data reload)
        return
    if Old._meta.db_table not in schema_editor.connection.introspection.table_names():
        return
    New = apps.get_model("indicators", "Target")
    for old in Old.objects.filter(key="certification_rate"):
        year = old.due_year or 2027
        rows = New.objects.filter(indicator="certification_rate", district__isnull=True, due_date__year=year)
        if rows.exists():
            rows.exclude(value=old.value).update(value=old.value)
        else:
            New.objects.create(
                indicator="certification_rate",
                value=old.value,
                due_date=datetime.date(year, 12, 31),
                source="渝民发〔2024〕11号",
            )


class Migration(migrations.Migration):
    dependencies = [("skills", "0002_defaults"), ("indicators", "0004_fact_lengths")]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="Target"),
    ]

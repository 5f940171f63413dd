"""Training targets move to the indicators' one targets table (indicators.Target), which every page reads.
A value edited here before is carried over; then the training copy is dropped."""

import datetime

from django.db import migrations

# training key -> (indicator, recurrence)
MOVED = {
    "person_times": ("training_person_times", "yearly"),
    "training_bases": ("training_bases", "once"),
    "heads_city_courses": ("heads_courses", "yearly"),
}


def carry_over(apps, schema_editor):
    try:
        Old = apps.get_model("training", "Target")
    except LookupError:  # run again on a migrated database (the browser tests' reference-data reload)
        return
    if Old._meta.db_table not in schema_editor.connection.introspection.table_names():
        return
    New = apps.get_model("indicators", "Target")
    for old in Old.objects.all():
        if old.key not in MOVED:
            continue
        indicator, recurrence = MOVED[old.key]
        rows = New.objects.filter(indicator=indicator, district__isnull=True)
        if recurrence == "once" and old.due_year:
            rows = rows.filter(due_date__year=old.due_year)
        else:
            rows = rows.filter(recurrence=recurrence)
        if rows.exists():
            rows.exclude(value=old.value).update(value=old.value)
        else:
            year = old.due_year or datetime.date.today().year
            New.objects.create(
                indicator=indicator,
                value=old.value,
                due_date=datetime.date(year, 12, 31),
                recurrence=recurrence,
                source=old.note[:200],
            )


class Migration(migrations.Migration):
    dependencies = [("training", "0002_defaults"), ("indicators", "0004_fact_lengths")]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="Target"),
    ]

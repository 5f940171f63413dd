"""Eligibility rows without the (run, worker) unique index: one row per worker and run holds by the run's
INSERT … SELECT, and every read is by run (the (run, qualifies, decision) index) or by id."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0004_merge_20261208_0448"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="eligibility",
            name="eligibility_run_worker",
        ),
    ]

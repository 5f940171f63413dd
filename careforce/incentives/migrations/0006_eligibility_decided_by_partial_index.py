"""Eligibility.decided_by indexed only where set: a run inserts every row undecided."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("incentives", "0005_eligibility_without_run_worker_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="eligibility",
            name="decided_by",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="eligibility",
            index=models.Index(
                condition=models.Q(decided_by__isnull=False),
                fields=["decided_by"],
                name="eligibility_decided_by",
            ),
        ),
    ]

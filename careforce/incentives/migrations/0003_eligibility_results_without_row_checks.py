"""Eligibility rows keep their references without per-row foreign-key checks (written only by the run's
INSERT … SELECT from the workers, in the run's transaction); the (run, worker) unique index serves lookups by run."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_merge_validity_english_names"),
        ("incentives", "0002_payment_guard_and_examples"),
        ("institutions", "0002_head"),
        ("registry", "0009_merge_0008_employment_post_ref_0008_english_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="eligibility",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.district",
            ),
        ),
        migrations.AlterField(
            model_name="eligibility",
            name="institution",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="institutions.institution",
            ),
        ),
        migrations.AlterField(
            model_name="eligibility",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="incentives.eligibilityrun",
            ),
        ),
        migrations.AlterField(
            model_name="eligibility",
            name="worker",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.worker",
            ),
        ),
    ]

"""Drop indexes that duplicate others: every one is paid for on each insert (imports write 100,000 rows).

- The single-column indexes Django makes for foreign keys, where a composite index starts with the column.
- The plain and LIKE indexes on the name search keys: the pattern-ops indexes of 0003 serve both.
- PostgreSQL's LIKE (varchar_pattern_ops) indexes on the hashes and last digits, only compared for equality.

Done by name rather than with AlterField, whose index removal also drops any other index on the column —
here the partial unique index that allows one current full-time post per worker.
"""

import django.db.models.deletion
from django.db import migrations, models

DUPLICATES = {
    "registry_employment": [
        "registry_employment_institution_id_49348905",
        "registry_employment_worker_id_15683f25",
    ],
    "registry_worker": [
        "registry_worker_district_id_eb4fba75",
        "registry_worker_institution_id_5c66e91c",
        "registry_worker_occupation_id_1312c8ef",
        "registry_worker_name_initials_9e0e3f06",
        "registry_worker_name_initials_9e0e3f06_like",
        "registry_worker_name_pinyin_d6d8f31c",
        "registry_worker_name_pinyin_d6d8f31c_like",
        "registry_worker_id_number_hash_5c4660ea_like",
        "registry_worker_id_last4_5b6d7cd0_like",
        "registry_worker_phone_hash_c21c4c24_like",
    ],
}
RESTORE = [
    ("registry_employment_institution_id_49348905", "registry_employment", "institution_id"),
    ("registry_employment_worker_id_15683f25", "registry_employment", "worker_id"),
    ("registry_worker_district_id_eb4fba75", "registry_worker", "district_id"),
    ("registry_worker_institution_id_5c66e91c", "registry_worker", "institution_id"),
    ("registry_worker_occupation_id_1312c8ef", "registry_worker", "occupation_id"),
    ("registry_worker_name_initials_9e0e3f06", "registry_worker", "name_initials"),
    ("registry_worker_name_pinyin_d6d8f31c", "registry_worker", "name_pinyin"),
]


def drop(apps, schema_editor):
    for names in DUPLICATES.values():
        for name in names:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps, schema_editor):
    for name, table, column in RESTORE:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_reference_data"),
        ("institutions", "0001_initial"),
        ("registry", "0005_district_search_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="employment",
                    name="institution",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="employments",
                        to="institutions.institution",
                        verbose_name="institution",
                    ),
                ),
                migrations.AlterField(
                    model_name="employment",
                    name="worker",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="employments",
                        to="registry.worker",
                    ),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="district",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="core.district",
                        verbose_name="district",
                    ),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="institution",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="institutions.institution",
                        verbose_name="institution",
                    ),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="name_initials",
                    field=models.CharField(editable=False, max_length=50),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="name_pinyin",
                    field=models.CharField(editable=False, max_length=200),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="occupation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="registry.occupation",
                        verbose_name="occupation",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        )
    ]

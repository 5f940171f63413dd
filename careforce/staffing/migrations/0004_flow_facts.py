from django.db import migrations, models


def fill(apps, schema_editor):
    """The flow facts of a database whose other facts were built already (staffing_rebuild --if-needed
    would not rebuild it): every full-time employment of a care-team worker, set-based."""
    Employment = apps.get_model("registry", "Employment")
    FlowFact = apps.get_model("staffing", "FlowFact")
    source = Employment.objects.filter(worker__team="care", is_part_time=False).values(
        f_id=models.F("id"),
        f_worker=models.F("worker_id"),
        f_district=models.F("institution__district_id"),
        f_start=models.F("start_date"),
        f_end=models.F("end_date"),
    )
    sql, params = source.query.sql_with_params()
    table = FlowFact._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (employment_id, worker_id, district_id, start_date, end_date) "
            f"SELECT s.f_id, s.f_worker, s.f_district, s.f_start, s.f_end FROM ({sql}) s",
            params,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_merge_0008_employment_post_ref_0008_english_names"),
        ("staffing", "0003_counting_facts"),
    ]

    operations = [
        migrations.CreateModel(
            name="FlowFact",
            fields=[
                ("employment_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("worker_id", models.BigIntegerField(db_index=True)),
                ("district_id", models.BigIntegerField(null=True)),
                ("start_date", models.DateField()),
                ("end_date", models.DateField(null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["start_date", "district_id"], name="flow_fact_start"),
                    models.Index(fields=["end_date", "district_id"], name="flow_fact_end"),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

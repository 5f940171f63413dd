"""The verified share's counts kept with the facts: WorkerFact.verified and the "verified_workers" counter of
each district (they were counted over the worker table on every read of a district whose version moved)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from careforce.registry.verification import VERIFIED

    WorkerFact = apps.get_model("indicators", "WorkerFact")
    DistrictCounter = apps.get_model("indicators", "DistrictCounter")
    Worker = apps.get_model("registry", "Worker")
    verified = Worker.objects.filter(verification__in=[v.value for v in VERIFIED]).values("pk")
    WorkerFact.objects.filter(worker_id__in=verified).update(verified=True)
    counts = (
        WorkerFact.objects.filter(verified=True, is_active=True, district_id__isnull=False)
        .values("district_id")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for row in counts:
        DistrictCounter.objects.update_or_create(
            district_id=row["district_id"], key="verified_workers", defaults={"n": row["n"]}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0009_older_population_basis_65"),
        ("registry", "0009_merge_0008_employment_post_ref_0008_english_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="workerfact",
            name="verified",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

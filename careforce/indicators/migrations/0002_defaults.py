"""Default rows: the policy's targets (requirements R8, 渝民发〔2024〕11号), staffing ratios (*unverified*,
domain.md) and the city's older population (end of 2024). All editable afterwards; nothing here is a
constant of the code.

District older populations are NOT loaded: no per-district figure with a citable source was at hand, so
the density and per-1,000 indicators show "no data" for a district until one is entered (with its source)
on the targets page. The city figure is the one domain.md cites.
"""

import datetime
from decimal import Decimal

from django.db import migrations

POLICY = "渝民发〔2024〕11号"

TARGETS = [
    # indicator, value, due date, recurrence, share basis
    ("registry_workers", "25000", datetime.date(2027, 12, 31), "once", "workers"),
    ("registry_workers", "30000", datetime.date(2029, 12, 31), "once", "workers"),
    ("certification_rate", "60", datetime.date(2027, 12, 31), "once", "workers"),
    ("training_bases", "10", datetime.date(2027, 12, 31), "once", "equal"),
    ("training_person_times", "20000", datetime.date(2025, 12, 31), "yearly", "workers"),
    ("social_workers_per_1000_older", "1", datetime.date(2027, 12, 31), "once", "older_population"),
    ("social_workers_per_100_beds", "1", datetime.date(2027, 12, 31), "once", "workers"),
    ("heads_training_coverage", "100", datetime.date(2025, 12, 31), "yearly", "workers"),
    ("heads_courses", "1", datetime.date(2025, 12, 31), "yearly", "equal"),
]

# Residents per care worker by ability level (GB/T 42195-2022 levels), attributed to MZ/T 187-2021;
# unverified defaults from domain.md.
RATIOS = [
    ("residents_able", "15"),
    ("residents_mild", "10"),
    ("residents_moderate", "6"),
    ("residents_severe", "3"),
    ("residents_total", "3"),
]


def load(apps, schema_editor):
    Target = apps.get_model("indicators", "Target")
    StaffingRatio = apps.get_model("indicators", "StaffingRatio")
    OlderPopulation = apps.get_model("indicators", "OlderPopulation")
    for code, value, due, recurrence, basis in TARGETS:
        Target.objects.get_or_create(
            indicator=code,
            due_date=due,
            district=None,
            defaults={
                "value": Decimal(value),
                "recurrence": recurrence,
                "share_basis": basis,
                "source": POLICY,
            },
        )
    for level, per in RATIOS:
        StaffingRatio.objects.get_or_create(
            level=level,
            defaults={
                "residents_per_care_worker": Decimal(per),
                "source": "MZ/T 187-2021 (unverified default)",
            },
        )
    OlderPopulation.objects.get_or_create(
        district=None,
        year=2024,
        defaults={
            "count": 8_010_000,
            "source": "重庆市民政局新闻发布会（2025）：2024年末全市60岁及以上常住人口801万人，占25.11%",
            "is_estimate": False,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

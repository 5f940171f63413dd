from decimal import Decimal

from django.db import migrations

# rank, code, name, national grade, certified (domain.md: the eight-level ladder, five certified levels)
LEVELS = [
    (1, "apprentice", "学徒工", "", False),
    (2, "junior", "初级工", "五级", True),
    (3, "intermediate", "中级工", "四级", True),
    (4, "senior", "高级工", "三级", True),
    (5, "technician", "技师", "二级", True),
    (6, "senior_technician", "高级技师", "一级", True),
    (7, "principal_technician", "特级技师", "", False),
    (8, "chief_technician", "首席技师", "", False),
]
# skill level ↔ title grade ↔ education (defaults after the national 职业技能等级与职称贯通 practice;
# unverified for Chongqing: administrators correct them in the equivalence table)
EQUIVALENCE = {
    "junior": ("", "senior_high"),
    "intermediate": ("", "senior_high"),
    "senior": ("junior", "college"),
    "technician": ("intermediate", "bachelor"),
    "senior_technician": ("associate_senior", "postgraduate"),
    "principal_technician": ("senior", ""),
    "chief_technician": ("senior", ""),
}
# credits per hour of completed training, and per valid certificate of a level (unverified defaults)
HOUR_CREDITS = Decimal("0.1")
CERTIFICATE_CREDITS = {"junior": 4, "intermediate": 6, "senior": 8, "technician": 10, "senior_technician": 12}


def load(apps, schema_editor):
    SkillLevel = apps.get_model("skills", "SkillLevel")
    Equivalence = apps.get_model("skills", "Equivalence")
    CreditRule = apps.get_model("skills", "CreditRule")
    levels = {}
    for rank, code, name, grade, certified in LEVELS:
        levels[code], _ = SkillLevel.objects.update_or_create(
            code=code, defaults={"rank": rank, "name": name, "national_grade": grade, "is_certified": certified}
        )
    for code, (title, education) in EQUIVALENCE.items():
        Equivalence.objects.update_or_create(level=levels[code], defaults={"title_grade": title, "education": education})
    CreditRule.objects.update_or_create(source="training_hour", level=None, defaults={"credits": HOUR_CREDITS})
    for code, credits in CERTIFICATE_CREDITS.items():
        CreditRule.objects.update_or_create(source="certificate", level=levels[code], defaults={"credits": credits})
    # The certification target lived here until the one targets table (indicators.Target) took it over
    # (skills/0003); a re-run on a migrated database (the browser tests' reference-data reload) skips it.
    try:
        Target = apps.get_model("skills", "Target")
    except LookupError:
        return
    if Target._meta.db_table in schema_editor.connection.introspection.table_names():
        Target.objects.update_or_create(
            key="certification_rate", defaults={"label": "养老护理员持证率", "value": Decimal(60), "due_year": 2027}
        )


def build_tallies(apps, schema_editor):
    # An existing registry: count each institution's active care workers once (no certificate yet).
    from django.db.models import Count

    Worker = apps.get_model("registry", "Worker")
    CertificationTally = apps.get_model("skills", "CertificationTally")
    rows = (
        Worker.objects.filter(is_active=True, occupation__code="care_worker", institution__isnull=False)
        .values("institution_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    CertificationTally.objects.bulk_create(
        [CertificationTally(institution_id=r["institution_id"], care_workers=r["n"], certified=0) for r in rows],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("skills", "0001_initial"), ("registry", "0002_occupations")]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(build_tallies, migrations.RunPython.noop),
    ]

from decimal import Decimal

from django.db import migrations

MODULES = [
    ("law", "法律法规"),
    ("ethics", "职业道德"),
    ("work_norms", "工作规范"),
    ("quality_standards", "质量标准"),
    ("health_hygiene", "卫生健康"),
    ("disability_care", "失能照护"),
    ("dementia_care", "认知症照护"),
    ("safety", "安全管理"),
    ("management", "机构管理"),
]
TARGETS = [
    # key, label, value, by year (None: every year), note
    ("person_times", "培训人次（每年）", Decimal(20000), None, "渝民发〔2024〕11号: 每年培训2万人次"),
    ("training_bases", "培训基地数量", Decimal(10), 2027, "到2027年建设10个培训基地"),
    ("heads_city_courses", "市级领雁培训班（每年）", Decimal(1), None, "市级每年至少举办1期"),
]


def load(apps, schema_editor):
    ContentModule = apps.get_model("training", "ContentModule")
    for order, (code, name) in enumerate(MODULES):
        ContentModule.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    # Training targets lived here until the one targets table (indicators.Target) took them over
    # (training/0003); a re-run on a migrated database (the browser tests' reference-data reload) skips them.
    try:
        Target = apps.get_model("training", "Target")
    except LookupError:
        return
    if Target._meta.db_table not in schema_editor.connection.introspection.table_names():
        return
    for key, label, value, due, note in TARGETS:
        Target.objects.update_or_create(key=key, defaults={"label": label, "value": value, "due_year": due, "note": note})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

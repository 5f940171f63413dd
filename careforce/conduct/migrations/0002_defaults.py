"""Default evaluation dimensions, complaint channels (with days to conclude) and settings. Data: editable
in the admin."""

from django.db import migrations

DIMENSIONS = [
    ("attitude", "服务态度", 1),
    ("skill", "专业技能", 2),
    ("punctuality", "守时守约", 3),
    ("communication", "沟通交流", 4),
    ("hygiene", "清洁卫生", 5),
]
CHANNELS = [
    ("hotline", "12345热线 / 投诉电话", 15, 1),
    ("letters_visits", "信访", 30, 2),
    ("online", "网上投诉", 15, 3),
    ("in_person", "现场投诉", 15, 4),
    ("supervision", "督导检查发现", 30, 5),
    ("other", "其他", 30, 9),
]


def load(apps, schema_editor):
    Dimension = apps.get_model("conduct", "EvaluationDimension")
    Channel = apps.get_model("conduct", "ComplaintChannel")
    Settings = apps.get_model("conduct", "ConductSettings")
    for code, name, order in DIMENSIONS:
        Dimension.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name, days, order in CHANNELS:
        Channel.objects.update_or_create(
            code=code, defaults={"name": name, "deadline_days": days, "sort_order": order}
        )
    Settings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("conduct", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

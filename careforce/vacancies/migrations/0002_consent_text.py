"""The first consent text job seekers agree to (data: a new wording is a new row with a new version)."""

import datetime

from django.db import migrations

TEXT = (
    "本人同意民政部门及其委托的就业服务机构收集本人姓名、身份证号码、联系电话、学历和所属重点群体，"
    "用于养老服务岗位推荐和就业见习安排；录用后相关信息转入养老服务人才信息库。"
    "本人可随时撤回同意，撤回后本人的个人信息将被删除。"
)


def load(apps, schema_editor):
    ConsentText = apps.get_model("vacancies", "ConsentText")
    ConsentText.objects.get_or_create(
        version="v1", defaults={"text": TEXT, "published_on": datetime.date(2026, 1, 1)}
    )


class Migration(migrations.Migration):
    dependencies = [("vacancies", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The first ranking method: indicators and weights (data; unverified defaults for the bureau to set)."""

from django.db import migrations

INDICATORS = [
    ("evaluations", 35, 1, "评价均分：1分→0，5分→100"),
    ("complaints", 25, 20, "100 − 20 × 每百床位查实投诉数，最低0"),
    ("certification", 20, 1, "养老护理员持证率（初级工及以上有效证书）"),
    ("training", 20, 1, "本年度参加培训并结业的在岗人员占比"),
    ("staffing", 0, 1, "人员配备达标情况：待人员配备功能上线后启用（权重0）"),
]


def load(apps, schema_editor):
    Method = apps.get_model("rankings", "RankingMethod")
    Indicator = apps.get_model("rankings", "RankingIndicator")
    if Method.objects.exists():
        return
    method = Method.objects.create(version=1, name="服务质量排行榜评价方法（试行）", is_active=True)
    for order, (indicator, weight, scale, description) in enumerate(INDICATORS):
        Indicator.objects.create(
            method=method, indicator=indicator, weight=weight, scale=scale, description=description,
            sort_order=order,
        )


class Migration(migrations.Migration):
    dependencies = [("rankings", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

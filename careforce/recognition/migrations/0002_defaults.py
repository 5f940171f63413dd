"""Defaults an administrator may edit: award kinds, prize rules per competition level, and the lowest level
that qualifies for direct household registration (技师, rank 5 of the eight-level ladder)."""

from django.db import migrations

AWARD_KINDS = [
    ("most_beautiful_carer", "最美护理员", "city"),
    ("most_beautiful_worker", "最美养老服务工作者", "city"),
    ("district_excellent_carer", "优秀养老护理员", "district"),
]
# level, from rank, to rank, prize, levels of promotion (city first prizes: one rung up the ladder)
PRIZE_RULES = [
    ("city", 1, 1, "一等奖", 1),
    ("city", 2, 3, "二等奖", 1),
    ("city", 4, 6, "三等奖", 0),
    ("district", 1, 1, "一等奖", 1),
    ("district", 2, 3, "二等奖", 0),
    ("district", 4, 6, "三等奖", 0),
]


def load(apps, schema_editor):
    AwardKind = apps.get_model("recognition", "AwardKind")
    PrizeRule = apps.get_model("recognition", "PrizeRule")
    SettlementRule = apps.get_model("recognition", "SettlementRule")
    SkillLevel = apps.get_model("skills", "SkillLevel")
    for code, name, level in AWARD_KINDS:
        AwardKind.objects.update_or_create(code=code, defaults={"name": name, "level": level})
    if not PrizeRule.objects.exists():
        for level, best, worst, name, up in PRIZE_RULES:
            PrizeRule.objects.create(level=level, best_rank=best, worst_rank=worst, name=name, levels_up=up)
    technician = SkillLevel.objects.filter(code="technician").first()
    if technician is not None and not SettlementRule.objects.exists():
        SettlementRule.objects.create(min_level=technician)


class Migration(migrations.Migration):
    dependencies = [("recognition", "0001_initial"), ("skills", "0002_defaults")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

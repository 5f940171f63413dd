"""The first credit rule version (factors, caps, bands) and the nine dishonesty situations. Data: a new
rule version is made in the admin and put in force there; situations are editable.

Defaults (unverified, to be confirmed by the bureau): base 60 on a 0–100 scale; years of service +2 a
year up to +20; training hours in the last 3 years +0.1 an hour up to +10; skill level +2.5 a rank up to
+20; evaluations of the last 3 years (average − 3) × 5, between −10 and +10; substantiated complaints of
the last 3 years −5 each down to −30; penalties of the last 5 years: warning −5, fine −10, dismissal −20,
ban from the trade −40 each (down to −40 / −40 / −40 / −60); on the dishonesty list −30.
"""

from django.db import migrations

FACTORS = [
    # measure, weight, min, max, window years
    ("years_of_service", 2, 0, 20, None),
    ("training_hours", "0.1", 0, 10, 3),
    ("skill_level", "2.5", 0, 20, None),
    ("evaluations", 5, -10, 10, 3),
    ("complaints", -5, -30, 0, 3),
    ("penalty_warning", -5, -40, 0, 5),
    ("penalty_fine", -10, -40, 0, 5),
    ("penalty_dismissal", -20, -40, 0, 5),
    ("penalty_trade_ban", -40, -60, 0, 5),
    ("dishonesty_listed", -30, -30, 0, None),
]
BANDS = [("A", "优秀", 90), ("B", "良好", 75), ("C", "合格", 60), ("D", "较差", 40), ("E", "差", 0)]
SITUATIONS = [
    ("elder_abuse", "欺老、虐老等侵害老年人合法权益", 1),
    ("deception", "诈骗老年人（非法集资、虚假宣传、欺诈销售）", 2),
    ("fire_hazard", "存在重大火灾隐患且未及时整改", 3),
    ("safety_accident", "对安全责任事故负有责任", 4),
    ("subsidy_fraud", "以欺诈手段骗取补贴资金", 5),
    ("obstructing_inspection", "拒绝、阻挠监督检查或提供虚假材料", 6),
    ("refused_penalty", "拒不履行行政处罚决定", 7),
    ("judgement_debtor", "被人民法院认定为失信被执行人", 8),
    ("other_serious", "其他严重违法违规行为", 9),
]


def load(apps, schema_editor):
    Rule = apps.get_model("credit", "CreditRule")
    Factor = apps.get_model("credit", "CreditFactor")
    Band = apps.get_model("credit", "CreditBand")
    Situation = apps.get_model("credit", "DishonestySituation")
    from django.utils import timezone

    if not Rule.objects.exists():
        rule = Rule.objects.create(
            version=1, name="信用评价规则（试行）", base_score=60, min_score=0, max_score=100,
            is_active=True, activated_at=timezone.now(),
        )
        for order, (measure, weight, low, high, window) in enumerate(FACTORS):
            Factor.objects.create(
                rule=rule, measure=measure, weight=weight, min_points=low, max_points=high,
                window_years=window, sort_order=order,
            )
        for grade, label, minimum in BANDS:
            Band.objects.create(rule=rule, grade=grade, label=label, min_score=minimum)
    for code, name, order in SITUATIONS:
        Situation.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order, "min_years_before_removal": 2}
        )


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""Payments are never edited or deleted: triggers refuse every DELETE and every UPDATE except marking an
unreversed payment reversed. The guard's SQL is written here so that later code does not rewrite history.

Also loads the subsidy examples of other cities (docs: domain.md, "Subsidy examples"), marked as examples —
Chongqing's own amounts are not published; the bureau writes its schemes beside them.
"""

import datetime

from django.db import migrations

PREFIX = "careforce_immutable_incentives_payment"
MESSAGE = "careforce: refused: incentives_payment rows are written once; correct them with a reversal entry"
COLUMNS = (
    "batch_id",
    "scheme_id",
    "worker_id",
    "district_id",
    "payment_key",
    "group_key",
    "amount",
    "reverses_id",
    "reason",
    "created_at",
)


def install(apps, schema_editor):
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in COLUMNS)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {PREFIX}() RETURNS trigger LANGUAGE plpgsql AS $guard$
            BEGIN
                IF TG_OP = 'DELETE' OR OLD.reversed OR NOT NEW.reversed OR {changed} THEN
                    RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = '{MESSAGE}';
                END IF;
                RETURN NEW;
            END
            $guard$
            """
        )
        # Idempotent: the test suite's reload of the data migrations runs this again.
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX} ON "incentives_payment"')
        schema_editor.execute(
            f'CREATE TRIGGER {PREFIX} BEFORE UPDATE OR DELETE ON "incentives_payment" '
            f"FOR EACH ROW EXECUTE FUNCTION {PREFIX}()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)
        schema_editor.execute(
            f'CREATE TRIGGER IF NOT EXISTS {PREFIX}_update BEFORE UPDATE ON "incentives_payment" FOR EACH ROW '
            f"WHEN OLD.reversed OR NOT NEW.reversed OR {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        schema_editor.execute(
            f'CREATE TRIGGER IF NOT EXISTS {PREFIX}_delete BEFORE DELETE ON "incentives_payment" FOR EACH ROW '
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX} ON "incentives_payment"')
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}()")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_update")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_delete")


START = datetime.date(2024, 1, 1)
# code, name, kind, source, amounts, tranches [(years of continuous service, percent)], conditions
EXAMPLES = [
    (
        "example-changzhou-skill",
        "常州新北区 一次性技能补贴（示例）",
        "one_off_skill",
        "Changzhou Xinbei",
        {"2": 500, "3": 1000, "4": 2000, "5": 3000},
        [],
        {"min_continuous_years": 2},
    ),
    (
        "example-weihai-skill",
        "威海 一次性技能补贴（示例）",
        "one_off_skill",
        "Weihai",
        {"2": 5000, "3": 7000, "4": 10000},
        [],
        {"min_contract_years": 5, "min_years_in_care": 3},
    ),
    (
        "example-zhejiang-entry",
        "浙江 入职奖补（示例）",
        "entry",
        "Zhejiang",
        {"senior_high": 30000, "college": 40000, "bachelor": 50000, "postgraduate": 50000},
        [[3, 30], [4, 30], [5, 40]],
        {},
    ),
    (
        "example-beijing-post",
        "北京 岗位津贴（示例）",
        "monthly_post",
        "Beijing (2020)",
        {"2": 500, "3": 750, "4": 1000, "5": 1250, "6": 1500},
        [],
        {},
    ),
    (
        "example-nanjing-entry",
        "南京 入职奖补（示例）",
        "entry",
        "Nanjing",
        {"senior_high": 30000, "college": 40000, "bachelor": 50000, "postgraduate": 50000},
        [[1, 10], [2, 15], [3, 20], [4, 25], [5, 30]],
        {
            "min_continuous_years": 2,
            "min_skill_rank": 2,
            "min_contract_years": 1,
            "exclude_public_institution": True,
        },
    ),
    (
        "example-shanxi-entry",
        "山西 入职奖补（示例）",
        "entry",
        "Shanxi (2023)",
        {"senior_high": 30000, "college": 40000, "bachelor": 50000, "postgraduate": 60000},
        [[1, 30], [2, 30], [3, 40]],
        {"min_contract_years": 3, "min_years_in_care": 0},
    ),
]


def load_examples(apps, schema_editor):
    Scheme = apps.get_model("incentives", "Scheme")
    for code, name, kind, source, amounts, tranches, conditions in EXAMPLES:
        Scheme.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "level": "city",
                "is_example": True,
                "source": source,
                "amounts": amounts,
                "tranches": tranches,
                "starts_on": START,
                "combination_group": "",
                **conditions,
            },
        )


def unload_examples(apps, schema_editor):
    apps.get_model("incentives", "Scheme").objects.filter(is_example=True).delete()


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(load_examples, unload_examples),
    ]

"""Working days: the public holidays and the weekend days worked in exchange (调休) of 2025 and 2026, from
the State Council's notices (国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号; 关于2026年部分
节假日安排的通知, 2025-11-04). Data: later years are added in the admin (Calendar days)."""

import datetime

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# (first day, last day, name) of each holiday span; (day, name) of each adjusted working day.
HOLIDAYS = [
    ("2025-01-01", "2025-01-01", "元旦"),
    ("2025-01-28", "2025-02-04", "春节"),
    ("2025-04-04", "2025-04-06", "清明节"),
    ("2025-05-01", "2025-05-05", "劳动节"),
    ("2025-05-31", "2025-06-02", "端午节"),
    ("2025-10-01", "2025-10-08", "国庆节、中秋节"),
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
ADJUSTED_WORKDAYS = [
    ("2025-01-26", "春节调休上班"),
    ("2025-02-08", "春节调休上班"),
    ("2025-04-27", "劳动节调休上班"),
    ("2025-09-28", "国庆节调休上班"),
    ("2025-10-11", "国庆节调休上班"),
    ("2026-01-04", "元旦调休上班"),
    ("2026-02-14", "春节调休上班"),
    ("2026-02-28", "春节调休上班"),
    ("2026-05-09", "劳动节调休上班"),
    ("2026-09-20", "国庆节调休上班"),
    ("2026-10-10", "国庆节调休上班"),
]


def load(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    for first, last, name in HOLIDAYS:
        day, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
        while day <= end:
            CalendarDay.objects.update_or_create(date=day, defaults={"kind": "holiday", "name": name})
            day += datetime.timedelta(days=1)
    for day, name in ADJUSTED_WORKDAYS:
        CalendarDay.objects.update_or_create(
            date=datetime.date.fromisoformat(day), defaults={"kind": "adjusted_workday", "name": name}
        )
    # The system administrator keeps the calendar, like the other configuration rows.
    app_config = apps.get_app_config("core")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True  # a migration's app config has no module of models
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="system_admin")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="core", codename__endswith="_calendarday")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_accounts_separation_of_duties'),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='date')),
                ('kind', models.CharField(choices=[('holiday', 'Public holiday (no work)'), ('adjusted_workday', 'Adjusted working day (weekend worked, 调休)')], max_length=20, verbose_name='kind')),
                ('name', models.CharField(blank=True, max_length=40, verbose_name='name')),
            ],
            options={
                'verbose_name': 'calendar day',
                'verbose_name_plural': 'calendar days',
                'ordering': ['date'],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]


from django.db import migrations, models


def adjust(apps, schema_editor):
    """Targets of a count that makes no sense split among districts (10 training bases: 0.24 a district)
    become city-only; the projection's trend runs over 24 months where the old default of 12 was kept."""
    Target = apps.get_model("indicators", "Target")
    Target.objects.filter(indicator__in=["training_bases", "heads_courses"], district__isnull=True).update(
        share_basis="city_only"
    )
    Target.objects.filter(trend_months=12).update(trend_months=24)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_head_facts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='target',
            name='share_basis',
            field=models.CharField(choices=[('workers', "In proportion to each district's current workers"), ('older_population', "In proportion to each district's older population"), ('equal', 'Equal shares'), ('city_only', 'Not split: a city-wide target only')], default='workers', max_length=20, verbose_name='default district shares'),
        ),
        migrations.AlterField(
            model_name='target',
            name='trend_months',
            field=models.PositiveSmallIntegerField(default=24, verbose_name='months of trend for the projection'),
        ),
        migrations.RunPython(adjust, migrations.RunPython.noop),
    ]

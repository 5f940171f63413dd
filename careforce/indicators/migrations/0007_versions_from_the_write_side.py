

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0006_whole_targets_and_24_month_trends'),
    ]

    operations = [
        migrations.CreateModel(
            name='DistrictVersion',
            fields=[
                ('district_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('version', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RemoveField(
            model_name='factstate',
            name='high',
        ),
        migrations.RemoveField(
            model_name='factstate',
            name='rebuilt_high',
        ),
    ]

"""A minimum study time per online lesson for every course: empty now means "derived from the course's hours"
(45 minutes a class hour, the row loaded here), and the 0 every course had by default — never an organiser's
choice, since 0 was what the form stored when left empty — becomes empty, so those courses ask for the time
their hours credit. An explicit minimum other than 0 is kept."""

import django.core.validators
from django.db import migrations, models


def forwards(apps, schema_editor):
    apps.get_model("training", "TrainingSettings").objects.get_or_create(pk=1, defaults={"class_hour_minutes": 45})
    apps.get_model("training", "Course").objects.filter(lesson_min_minutes=0).update(lesson_min_minutes=None)


def backwards(apps, schema_editor):
    apps.get_model("training", "Course").objects.filter(lesson_min_minutes__isnull=True).update(
        lesson_min_minutes=0
    )


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0006_english_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='TrainingSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('class_hour_minutes', models.PositiveSmallIntegerField(default=45, help_text='An online course that sets no minimum per lesson asks for its hours times this, spread evenly over its lessons.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='minutes of study per class hour (学时)')),
            ],
            options={
                'verbose_name': 'training settings',
                'verbose_name_plural': 'training settings',
            },
        ),
        migrations.AlterField(
            model_name='course',
            name='lesson_min_minutes',
            field=models.PositiveSmallIntegerField(blank=True, default=None, null=True, verbose_name='minimum minutes per lesson'),
        ),
        migrations.RunPython(forwards, backwards),
    ]

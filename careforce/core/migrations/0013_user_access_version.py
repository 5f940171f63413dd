from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0012_merge_validity_english_names")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="access_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
    ]

from django.db import migrations

from careforce.core.reference import OCCUPATIONS


def load(apps, schema_editor):
    Occupation = apps.get_model("registry", "Occupation")
    for order, (code, name, team, standard_code) in enumerate(OCCUPATIONS):
        Occupation.objects.update_or_create(
            code=code, defaults={"name": name, "team": team, "standard_code": standard_code, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

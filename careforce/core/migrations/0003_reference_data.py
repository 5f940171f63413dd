from django.contrib.auth.management import create_permissions
from django.db import migrations

from careforce.core.reference import DISTRICTS, ROLE_GROUPS


def load(apps, schema_editor):
    District = apps.get_model("core", "District")
    for order, (code, name, kind) in enumerate(DISTRICTS):
        District.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "sort_order": order})

    # Permissions are normally created after all migrations; the role groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

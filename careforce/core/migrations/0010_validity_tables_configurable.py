"""The validity tables — how long a skill certificate and a completed training stay valid — are
configuration: the system administrator keeps them, like the other configuration rows (reference.py
CONFIGURATION_MODELS). Migration 0005 granted the list as it was then; this grants the two tables."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = [("skills", "certificatevalidity"), ("training", "trainingvalidity")]


def grant(apps, schema_editor):
    for label in {app for app, _model in MODELS}:
        app_config = apps.get_app_config(label)
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True  # a migration's app config has no module of models
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="system_admin")
    for app, model in MODELS:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app,
                codename__in=[f"{action}_{model}" for action in ("add", "change", "delete", "view")],
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="system_admin").first()
    if group is None:
        return
    for app, model in MODELS:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app, codename__endswith=f"_{model}")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_merge_vocabulary"),
        ("skills", "0005_merge_validity_and_number_key"),
        ("training", "0004_training_validity"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

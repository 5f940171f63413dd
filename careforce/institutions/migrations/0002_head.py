"""Each institution names its head (负责人). Where exactly one currently employed worker placed at an
institution has the occupation of head of institution (院长/机构负责人), that worker becomes its head; elsewhere
the head stays unrecorded until an administrator names one (the 领雁 list shows those as gaps)."""

import django.db.models.deletion
from django.db import migrations, models


def name_single_directors(apps, schema_editor):
    Institution = apps.get_model("institutions", "Institution")
    Worker = apps.get_model("registry", "Worker")
    directors = {}
    for worker_id, institution_id in Worker.objects.filter(
        occupation__code="director", is_active=True, institution__isnull=False
    ).values_list("pk", "institution_id"):
        directors.setdefault(institution_id, []).append(worker_id)
    for institution_id, ids in directors.items():
        if len(ids) == 1:
            Institution.objects.filter(pk=institution_id, head__isnull=True).update(head_id=ids[0])


class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0001_initial'),
        ('registry', '0006_lean_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='institution',
            name='head',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='headed_institutions', to='registry.worker', verbose_name='head (负责人)'),
        ),
        migrations.AddField(
            model_name='institution',
            name='head_pending_name',
            field=models.CharField(blank=True, max_length=50, verbose_name='head pending registration'),
        ),
        migrations.RunPython(name_single_directors, migrations.RunPython.noop),
    ]

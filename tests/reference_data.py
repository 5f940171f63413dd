"""The rows of the data migrations (districts, occupations, role groups, default rules and targets), put back
for a transactional test that finds them flushed."""


class _RemovedModel:
    """Stands in for a model a later migration removed or moved (training's and skills' targets): a data
    migration's rows for it are dropped, its reads find nothing, and it has no table."""

    class _meta:
        db_table = "removed_model_has_no_table"

    class objects:  # a manager's few methods the data migrations call
        @staticmethod
        def update_or_create(*args, **kwargs):
            return None, False

        get_or_create = update_or_create

        @staticmethod
        def all():
            return []

        filter = exclude = all


class _TodaysModels:
    """The app registry the reload runs data migrations with: today's models, and a stand-in for a model
    that no longer exists, so that the rest of that migration's rows still load."""

    def __init__(self, apps):
        self._apps = apps

    def get_model(self, app_label, model_name=None):
        try:
            return self._apps.get_model(app_label, model_name)
        except LookupError:
            return _RemovedModel

    def __getattr__(self, name):
        return getattr(self._apps, name)


def reload_if_flushed() -> None:
    """Belt and braces for serialized rollback: if a transactional test's flush still left the reference
    tables empty (seen under xdist, on PostgreSQL too), run the project's data migrations again, in
    dependency order, as a fresh migrate would. They only run on an emptied database, so they never load
    twice."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    from careforce.core.models import District

    if District.objects.exists():
        return
    loader = MigrationLoader(connection)
    ours = {config.label for config in apps.get_app_configs() if config.name.startswith("careforce.")}
    plan: list = []
    for leaf in sorted(key for key in loader.graph.leaf_nodes() if key[0] in ours):
        plan += [key for key in loader.graph.forwards_plan(leaf) if key not in plan]
    with connection.schema_editor() as editor:
        for key in plan:
            migration = loader.graph.nodes[key]
            if key[0] not in ours:
                continue
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    operation.code(_TodaysModels(apps), editor)

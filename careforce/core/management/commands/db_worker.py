"""careforce db_worker: django-tasks-db's worker, which first makes sure every periodic task of the
platform (careforce.core.periodic) has a run waiting, so the schedule needs no cron entry."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from careforce.core import periodic


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + " Schedules the platform's periodic tasks on start."

    def handle(self, *args, **options):
        periodic.ensure_all()
        super().handle(*args, **options)

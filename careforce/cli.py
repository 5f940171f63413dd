"""The `careforce` console command: Django's management commands with CareForce's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["careforce", *sys.argv[1:]])


if __name__ == "__main__":
    main()

"""The `careforce` console command: Django's management commands with CareForce's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    # `careforce create-token` reads better than `create_token`; Django's command names use underscores.
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["careforce", *args])


if __name__ == "__main__":
    main()

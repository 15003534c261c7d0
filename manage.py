#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwork.settings")
    # manage.py is the developer's tool: without an environment it runs on the embedded
    # development defaults. Servers start from mwork.wsgi / mwork.asgi, where DEBUG stays off
    # unless DJANGO_DEBUG says otherwise (and the Docker image sets DJANGO_DEBUG=0).
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

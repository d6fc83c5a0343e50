#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")
    from django.core.management import execute_from_command_line

    from apps.core.runtime import ensure_runtime_dirs

    ensure_runtime_dirs()  # SQLite's folder before `migrate`, the broker's before `serve` starts a worker
    execute_from_command_line(sys.argv)

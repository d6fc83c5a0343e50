"""Settings of the crash test's worker: the project's own, plus requests to loopback (the test's slow server).

The worker is started with ``DJANGO_SETTINGS_MODULE=crash_worker_settings`` and
this folder on ``PYTHONPATH``; everything else comes from the environment
``worker_env`` builds (test database, private broker queue, short lease).
"""

from apps.settings import *  # noqa: F403

WEFT_HTTP_ALLOW_PRIVATE = True

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")

app = Celery("weft")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_runtime_dirs(sender: Celery, **kwargs) -> None:
    """The file broker's folders exist before a worker polls them or a process queues its first task."""
    from apps.core.runtime import ensure_runtime_dirs

    ensure_runtime_dirs()

"""An endpoint for each flow started by webhooks, so that its URL is served by the intake.

The endpoint holds the flow's token (its URL keeps working) and checks what
the trigger asks for: the URL, the trigger's ``secret`` in ``X-Weft-Token``
if it has one, ``dedupe_header`` as the delivery id. Later saves of the flow
keep it in step (``inbound/flow_triggers.py``).
"""

from django.conf import settings
from django.db import migrations

HEADER = "X-Weft-Token"
MAX_KEY = 80


def _free_key(Endpoint, flow) -> str:
    base = ("flow-" + flow.key)[:MAX_KEY]
    taken = set(Endpoint.objects.filter(workspace_id=flow.workspace_id).values_list("key", flat=True))
    key, number = base, 1
    while key in taken:
        number += 1
        suffix = f"-{number}"
        key = base[:MAX_KEY - len(suffix)] + suffix
    return key


def create_endpoints(apps, schema_editor):
    Flow = apps.get_model("flows", "Flow")
    Endpoint = apps.get_model("connectors", "Endpoint")
    limit = int(getattr(settings, "WEFT_WEBHOOK_MAX_BYTES", 1024 * 1024))
    for flow in Flow.objects.filter(trigger_type="webhook").exclude(webhook_token="").iterator():
        if Endpoint.objects.filter(token=flow.webhook_token).exists():
            continue
        trigger = (flow.definition or {}).get("trigger") or {}
        verification = {"mode": "url_token", "header": HEADER}
        if trigger.get("dedupe_header"):
            verification["id_header"] = trigger["dedupe_header"]
        Endpoint.objects.create(
            workspace_id=flow.workspace_id, app_id=flow.app_id, key=_free_key(Endpoint, flow),
            name=flow.name or flow.key, token=flow.webhook_token, verification=verification,
            secret=trigger.get("secret") or "", flow_id=flow.pk, max_body_bytes=limit, enabled=flow.enabled)


def remove_endpoints(apps, schema_editor):
    Flow = apps.get_model("flows", "Flow")
    Endpoint = apps.get_model("connectors", "Endpoint")
    tokens = Flow.objects.exclude(webhook_token="").values_list("webhook_token", flat=True)
    Endpoint.objects.filter(flow__isnull=False, token__in=list(tokens), verification__mode="url_token").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("connectors", "0002_delivery_pending_by_endpoint"),
        ("flows", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_endpoints, remove_endpoints),
    ]

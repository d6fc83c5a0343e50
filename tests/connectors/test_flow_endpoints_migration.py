"""The data migration gives each existing webhook-triggered flow the endpoint that saving it would give."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps as django_apps

from apps.connectors.models import Endpoint

migration = import_module("apps.connectors.migrations.0003_endpoints_of_webhook_flows")
COMPARED = ("workspace_id", "app_id", "key", "name", "token", "verification", "secret", "flow_id",
            "max_body_bytes", "enabled")


def endpoints() -> list[tuple]:
    return sorted(Endpoint.objects.values_list(*COMPARED))


def test_each_webhook_flow_gets_the_endpoint_saving_it_gives_and_running_it_again_adds_none(make, workspace):
    make.flow(workspace, trigger={"type": "webhook", "secret": "s3cret-value", "dedupe_header": "X-Request-Id"})
    make.flow(workspace, trigger={"type": "webhook"}, enabled=False)
    make.flow(workspace, trigger={"type": "manual"})
    saved = endpoints()
    assert len(saved) == 2
    Endpoint.objects.all().delete()  # as the flows were before the migration

    migration.create_endpoints(django_apps, None)
    assert endpoints() == saved
    migration.create_endpoints(django_apps, None)
    assert endpoints() == saved


def test_a_key_an_endpoint_already_has_is_not_taken_again(make, workspace):
    flow = make.flow(workspace, key="intake", trigger={"type": "webhook"})
    Endpoint.objects.all().delete()
    make.endpoint(workspace, key="flow-intake")

    migration.create_endpoints(django_apps, None)
    assert Endpoint.objects.get(flow=flow).key == "flow-intake-2"

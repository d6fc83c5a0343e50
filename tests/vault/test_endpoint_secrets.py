"""Inbound endpoints verify deliveries with secrets named in the vault, resolved when a delivery arrives."""

from __future__ import annotations

import itertools
import json

import pytest
from rest_framework.test import APIClient

from apps.connectors.inbound import intake
from apps.connectors.models import Delivery, DeliveryStatus, Endpoint
from apps.vault import services as vault

VALUE = "MARKER-SECRET-ENDPOINT-TOKEN-1"
NEWER = "MARKER-SECRET-ENDPOINT-TOKEN-2"
_seq = itertools.count(1)


def create(api, secret) -> dict:
    response = api.post("/api/v1/endpoints/", {"key": "shop", "form": "orders", "secret": secret,
                                               "verification": {"mode": "token", "header": "X-Shop-Token"}},
                        format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def send(given: str):
    """A new delivery (its own body) with ``given`` as the shared token."""
    token = Endpoint.objects.get(key="shop").token
    body = json.dumps({"order_id": f"W-{next(_seq)}"})
    return APIClient().post(f"/api/v1/hooks/in/{token}/", body, content_type="application/json",
                            HTTP_X_SHOP_TOKEN=given)


def accepted() -> int:
    return Delivery.objects.exclude(status=DeliveryStatus.REJECTED).count()


@pytest.fixture(autouse=True)
def orders(make, workspace):
    return make.form(workspace, [{"key": "order_id", "type": "text"}], key="orders")


def test_an_endpoint_verifies_with_the_value_of_a_named_secret(api, workspace):
    vault.create_secret(workspace, "shop-token", VALUE)
    shown = create(api, {"secret": "shop-token"})

    assert shown["secret"] == {"secret": "shop-token"}
    assert VALUE not in Endpoint.objects.get(key="shop").secret
    assert send(VALUE).status_code == 202
    assert send("not-the-value").status_code == 401
    assert accepted() == 1


def test_rotating_the_named_secret_takes_effect_at_once(api, workspace, django_capture_on_commit_callbacks):
    secret = vault.create_secret(workspace, "shop-token", VALUE)
    create(api, {"secret": "shop-token"})
    intake.forget()
    assert send(VALUE).status_code == 202  # the endpoint is cached now, its secret resolved

    with django_capture_on_commit_callbacks(execute=True):
        vault.rotate_secret(secret, NEWER)
    assert send(NEWER).status_code == 202
    assert send(VALUE).status_code == 401


def test_a_name_that_is_not_in_the_vault_is_refused_at_save(api, workspace):
    response = api.post("/api/v1/endpoints/", {"key": "shop", "form": "orders", "secret": {"secret": "nope"}},
                        format="json")
    assert response.status_code == 400 and "secret" in response.json()["errors"]
    vault.create_secret(workspace, "shop-token", VALUE)
    create(api, {"secret": "shop-token"})
    rotated = api.post("/api/v1/endpoints/shop/rotate-secret/", {"secret": {"secret": "nope"}}, format="json")
    assert rotated.status_code == 400 and "secret" in rotated.json()["errors"]


def test_a_named_secret_deleted_since_answers_503_and_stores_nothing(api, workspace,
                                                                      django_capture_on_commit_callbacks):
    secret = vault.create_secret(workspace, "shop-token", VALUE)
    create(api, {"secret": "shop-token"})
    with django_capture_on_commit_callbacks(execute=True):
        vault.delete_secret(secret)

    response = send(VALUE)
    assert response.status_code == 503 and response.json()["code"] == "secret_unavailable"
    assert "shop-token" not in response.content.decode()
    assert accepted() == 0

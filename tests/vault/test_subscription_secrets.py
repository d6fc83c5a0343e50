"""Outbound subscriptions sign with, and send headers from, secrets named in the vault."""

from __future__ import annotations

import pytest

from apps.connectors.models import Message, Subscription
from apps.core.errors import ValidationFailed
from apps.vault import services as vault
from tests.connectors import test_outbound_signing as shared
from tests.connectors.test_outbound_signing import deliver, verified

fresh_subscribers, orders, reachable, receiver, subscribe = (
    shared.fresh_subscribers, shared.orders, shared.reachable, shared.receiver, shared.subscribe)

SIGNING = "whsec_TUFSS0VSLVNVQlNDUklQVElPTi1TSUdOSU5HLTEyMw=="
TOKEN = "MARKER-SECRET-SUBSCRIPTION-HEADER"


def test_a_subscription_signs_with_a_named_secret_and_sends_named_headers(
        make, workspace, orders, subscribe, receiver, reachable):
    vault.create_secret(workspace, "erp-signing", SIGNING)
    vault.create_secret(workspace, "erp-token", TOKEN)
    sub, shown = subscribe("/erp", secret={"secret": "erp-signing"},
                           headers={"Authorization": {"secret": "erp-token"}})
    make.record(orders, {"title": "A-1"})

    assert deliver() == 1
    (request,) = receiver.calls("/erp")
    assert verified(request, SIGNING) and request["headers"]["authorization"] == TOKEN
    assert shown == {"secret": "erp-signing"}
    stored = Subscription.objects.get(pk=sub.pk)
    assert SIGNING not in stored.secret and TOKEN not in str(stored.headers)
    assert TOKEN not in str(list(Message.objects.values()))


def test_a_rotated_vault_secret_signs_the_next_message(make, workspace, orders, subscribe, receiver, reachable):
    secret = vault.create_secret(workspace, "erp-signing", SIGNING)
    subscribe("/erp", secret={"secret": "erp-signing"})
    newer = "whsec_" + "TmV3ZXItc2lnbmluZy1zZWNyZXQtMTIzNDU2Nzg5MA=="
    vault.rotate_secret(secret, newer)
    make.record(orders, {"title": "A-1"})

    assert deliver() == 1
    assert verified(receiver.calls("/erp")[0], newer)


def test_naming_a_missing_secret_is_refused_by_field(subscribe):
    with pytest.raises(ValidationFailed) as caught:
        subscribe("/erp", secret={"secret": "nope"})
    assert "secret" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        subscribe("/erp", headers={"Authorization": {"secret": "nope"}})
    assert "headers.Authorization" in caught.value.errors

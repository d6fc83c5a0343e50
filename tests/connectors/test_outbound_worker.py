"""End to end with a real Celery worker: a record change → outbox dispatch → fan-out → signed delivery.

The worker is another process, so loopback is allowed through the workspace's
allow-list (the database), not a setting of this process. The test polls the
receiver and the database; the deadline only bounds how long a broken setup
takes to fail.
"""

from __future__ import annotations

import json
import time

import pytest

from apps.connectors.models import Message, MessageStatus
from tests.connectors import test_outbound_signing as shared
from tests.connectors.test_outbound_signing import verified
from tests.support import workers

# Fixtures of the outbound tests, defined once with the receiver and requested by name.
fresh_subscribers, orders, receiver, subscribe = (
    shared.fresh_subscribers, shared.orders, shared.receiver, shared.subscribe)
celery_worker, worker_env = workers.celery_worker, workers.worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_record_change_reaches_the_subscriber_through_the_worker(make, workspace, orders, subscribe, receiver,
                                                                    celery_worker):
    workspace.http_allow_list = ["127.0.0.1"]
    workspace.save()
    _sub, secret = subscribe("/erp")
    record = make.record(orders, {"title": "A-1"})

    deadline = time.monotonic() + 60
    while not receiver.calls("/erp"):
        assert celery_worker.running and time.monotonic() < deadline, celery_worker.log()[-4000:]
        time.sleep(0.2)

    (request,) = receiver.calls("/erp")
    assert verified(request, secret)
    assert json.loads(request["body"])["data"]["record"]["id"] == record.pk
    message = Message.objects.get()
    while Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).exists():
        assert time.monotonic() < deadline, celery_worker.log()[-4000:]
        time.sleep(0.2)
    message.refresh_from_db()
    assert message.status == MessageStatus.SUCCEEDED and request["headers"]["webhook-id"] == message.message_id

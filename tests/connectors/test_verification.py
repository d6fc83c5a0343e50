"""Every verification mode: good and bad signatures, missing headers, stale timestamps, rotated secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from apps.connectors.verification import VerificationFailed, modes
from apps.core.signing import new_secret

BODY = '{"order_id": "T-1", "total": "19.99", "名字": "张三"}'.encode()
NOW = 1_800_000_000


def lower(headers: dict) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def verify(mode: str, options: dict, secrets: list[str], headers: dict, body: bytes = BODY, now: float = NOW):
    return modes.get(mode).verify(options, secrets, lower(headers), body, now)


def signed(mode: str, options: dict, secret: str, body: bytes = BODY, *, delivery_id: str = "d-1",
           timestamp: int = NOW) -> dict:
    return modes.get(mode).sign(options, secret, body, delivery_id=delivery_id, timestamp=timestamp)


CASES = [
    ("standard_webhooks", {}, "whsec_" + base64.b64encode(b"fixed secret of the verification tests").decode()),
    ("shopify", {}, "shpss_0123456789abcdef"),
    ("hmac", {"header": "X-WC-Webhook-Signature", "encoding": "base64", "id_header": "X-WC-Webhook-Delivery-ID"},
     "woo-secret-0123456789"),
    ("hmac", {"header": "X-Hub-Signature-256", "prefix": "sha256=", "algorithm": "sha256"}, "gh-secret-0123456789"),
    ("hmac", {"header": "X-Sign", "algorithm": "md5", "encoding": "hex"}, "top-secret-0123456789"),
    ("token", {"header": "X-Shop-Token", "id_header": "X-Request-Id"}, "tok-0123456789abcdef"),
]
IDS = ["standard", "shopify", "woocommerce", "github-style", "md5-hex", "token"]


@pytest.mark.parametrize(("mode", "options", "secret"), CASES, ids=IDS)
def test_a_correctly_signed_delivery_is_accepted(mode, options, secret):
    headers = signed(mode, options, secret)
    delivery_id = verify(mode, options, [secret], headers)
    if mode in ("standard_webhooks", "shopify") or options.get("id_header"):
        assert delivery_id == "d-1"
    else:
        assert delivery_id is None


@pytest.mark.parametrize(("mode", "options", "secret"), CASES, ids=IDS)
def test_a_wrong_secret_is_refused(mode, options, secret):
    wrong = new_secret() if mode == "standard_webhooks" else secret + "x"
    headers = signed(mode, options, wrong)
    with pytest.raises(VerificationFailed) as caught:
        verify(mode, options, [secret], headers)
    assert caught.value.code in ("bad_signature", "bad_token")
    assert caught.value.status == 401


@pytest.mark.parametrize(("mode", "options", "secret"), CASES[:-1], ids=IDS[:-1])
def test_a_changed_body_is_refused(mode, options, secret):
    headers = signed(mode, options, secret)
    with pytest.raises(VerificationFailed) as caught:
        verify(mode, options, [secret], headers, body=BODY.replace(b"19.99", b"0.01"))
    assert caught.value.code == "bad_signature"


@pytest.mark.parametrize(("mode", "options", "secret"), CASES, ids=IDS)
def test_missing_headers_are_named(mode, options, secret):
    with pytest.raises(VerificationFailed) as caught:
        verify(mode, options, [secret], {})
    assert caught.value.code in ("signature_missing", "token_missing")
    named = options.get("header") or {"standard_webhooks": "webhook-signature", "shopify": "X-Shopify-Hmac-Sha256"}[
        mode]
    assert named in str(caught.value)


@pytest.mark.parametrize(("mode", "options", "secret"), CASES, ids=IDS)
def test_during_a_rotation_both_secrets_are_accepted(mode, options, secret):
    new = secret[:-1] + ("A" if secret[-1] != "A" else "B") if mode != "standard_webhooks" else new_secret()
    assert verify(mode, options, [new, secret], signed(mode, options, secret)) == verify(
        mode, options, [new, secret], signed(mode, options, new))


@pytest.mark.parametrize("skew", [301, -301, 86400])
def test_standard_webhooks_refuses_stale_and_future_timestamps(skew):
    secret = new_secret()
    headers = signed("standard_webhooks", {}, secret, timestamp=NOW - skew)
    with pytest.raises(VerificationFailed) as caught:
        verify("standard_webhooks", {}, [secret], headers)
    assert caught.value.code == "stale_timestamp"


def test_standard_webhooks_tolerance_is_configurable_and_inclusive():
    secret = new_secret()
    assert verify("standard_webhooks", {}, [secret], signed("standard_webhooks", {}, secret, timestamp=NOW - 300))
    headers = signed("standard_webhooks", {"tolerance_seconds": 30}, secret, timestamp=NOW - 60)
    with pytest.raises(VerificationFailed):
        verify("standard_webhooks", {"tolerance_seconds": 30}, [secret], headers)


def test_standard_webhooks_matches_the_specification_example():
    """The example of the Standard Webhooks specification's reference libraries."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    assert verify("standard_webhooks", {}, [secret], headers, body=body, now=1614265330) == \
        "msg_p5jXN8AQM9LWM0D4loKWxJek"


def test_standard_webhooks_accepts_any_of_several_signatures_and_a_bad_timestamp_is_named():
    secret, other = new_secret(), new_secret()
    good = signed("standard_webhooks", {}, secret)
    bad = signed("standard_webhooks", {}, other)
    headers = {**good, "webhook-signature": f"{bad['webhook-signature']} {good['webhook-signature']}"}
    assert verify("standard_webhooks", {}, [secret], headers) == "d-1"
    with pytest.raises(VerificationFailed) as caught:
        verify("standard_webhooks", {}, [secret], {**good, "webhook-timestamp": "yesterday"})
    assert caught.value.code == "bad_timestamp"


def test_shopify_signature_is_the_base64_hmac_of_the_raw_body():
    secret = "hush"
    digest = base64.b64encode(hmac.new(b"hush", BODY, hashlib.sha256).digest()).decode()
    headers = {"X-Shopify-Hmac-Sha256": digest, "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"}
    assert verify("shopify", {}, [secret], headers) == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


def test_generic_hmac_accepts_upper_case_hex():
    secret = "top-secret"
    digest = hmac.new(secret.encode(), BODY, hashlib.md5).hexdigest().upper()
    assert verify("hmac", {"header": "X-Sign", "algorithm": "md5"}, [secret], {"X-Sign": digest}) is None


def test_signing_uses_the_current_time_for_the_simulator():
    secret = new_secret()
    now = int(time.time())
    headers = signed("standard_webhooks", {}, secret, timestamp=now)
    assert verify("standard_webhooks", {}, [secret], headers, now=time.time()) == "d-1"

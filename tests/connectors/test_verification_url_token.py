"""``url_token``: the URL is the credential; a secret, when the endpoint has one, is wanted as is in a header."""

from __future__ import annotations

import pytest

from apps.connectors.verification import VerificationFailed, modes

BODY = b'{"order_id": "T-1"}'
NOW = 1_800_000_000
MODE = modes.get("url_token")


def verify(options: dict, secrets: list[str], headers: dict[str, str]) -> str | None:
    return MODE.verify(options, secrets, {k.lower(): v for k, v in headers.items()}, BODY, NOW)


def test_without_a_secret_the_url_alone_is_enough():
    assert verify({}, [], {})


def test_with_a_secret_it_must_be_sent_as_is_in_the_header():
    assert verify({}, ["s3cret-value"], {"X-Weft-Token": "s3cret-value"})
    assert verify({"header": "X-Shop-Token"}, ["s3cret-value"], {"X-Shop-Token": "s3cret-value"})
    for headers in ({}, {"X-Weft-Token": "s3cret-valuE"}, {"X-Other": "s3cret-value"}):
        with pytest.raises(VerificationFailed) as refused:
            verify({}, ["s3cret-value"], headers)
        assert refused.value.code == "bad_webhook_token" and refused.value.status == 401
        assert "X-Weft-Token" in str(refused.value)


def test_during_a_rotation_both_secrets_are_accepted():
    for given in ("old-secret-value", "new-secret-value"):
        assert verify({}, ["new-secret-value", "old-secret-value"], {"X-Weft-Token": given})


def test_the_id_header_names_the_delivery_and_without_it_every_request_is_new():
    options = {"id_header": "X-Request-Id"}
    assert verify(options, [], {"X-Request-Id": "d-1"}) == "d-1"
    assert verify(options, [], {}) != verify(options, [], {})
    assert verify({}, [], {}) != verify({}, [], {})


def test_a_long_id_is_its_hash_so_that_two_long_ids_never_collide():
    options = {"id_header": "X-Request-Id"}
    first = verify(options, [], {"X-Request-Id": "d" * 300})
    assert first.startswith("sha256:") and len(first) <= 200
    assert first == verify(options, [], {"X-Request-Id": "d" * 300})
    assert first != verify(options, [], {"X-Request-Id": "d" * 299 + "e"})


def test_the_secret_header_is_a_credential_never_kept():
    assert MODE.credential_header({}) == "x-weft-token"
    assert MODE.credential_header({"header": "X-Shop-Token"}) == "x-shop-token"


def test_signing_gives_the_headers_it_accepts():
    options = {"id_header": "X-Request-Id"}
    headers = MODE.sign(options, "s3cret-value", BODY, delivery_id="d-9", timestamp=NOW)
    assert verify(options, ["s3cret-value"], headers) == "d-9"
    assert MODE.sign({}, "", BODY, delivery_id="d-9", timestamp=NOW) == {}

"""Failed sign-ins, by password or API token, are throttled per client address and per account."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.services import issue_token

LOGIN = "/admin/login/"
WORKSPACE = "/api/v1/workspace/"


@pytest.fixture
def limits(settings):
    def set_limits(per_address: int = 1000, per_account: int = 1000) -> None:
        settings.WEFT = {**settings.WEFT, "AUTH_FAILURES_PER_ADDRESS": per_address,
                         "AUTH_FAILURES_PER_ACCOUNT": per_account, "AUTH_FAILURE_WINDOW_SECONDS": 300}
    return set_limits


def address() -> str:
    """A client address no other test (or earlier run sharing the cache) has used."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def bearer(token: str, remote_addr: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=remote_addr)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def bad_token(prefix: str = "weft_") -> str:
    return prefix + uuid.uuid4().hex


@pytest.fixture
def staff(make):
    user = make.user(f"staff-{uuid.uuid4().hex[:8]}", is_staff=True, is_superuser=True)
    user.set_password("right horse battery")
    user.save()
    return user


def login(username: str, password: str, remote_addr: str):
    return Client(REMOTE_ADDR=remote_addr).post(LOGIN, {"username": username, "password": password,
                                                        "next": "/admin/"})


def test_bad_tokens_from_one_address_lock_it_out_even_for_a_good_token(limits, owner):
    limits(per_address=3)
    here = address()
    _, good = issue_token(owner, "ci")
    for _attempt in range(3):
        assert bearer(bad_token(), here).get(WORKSPACE).status_code == 401

    refused = bearer(good, here).get(WORKSPACE)

    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    assert "Too many failed sign-in attempts" in str(refused.json()["errors"])
    assert bearer(good, address()).get(WORKSPACE).status_code == 200


def test_bad_tokens_sharing_a_prefix_are_locked_from_every_address(limits, owner):
    limits(per_account=2)
    prefix = f"weft_{uuid.uuid4().hex[:4]}"
    for _attempt in range(2):
        assert bearer(bad_token(prefix), address()).get(WORKSPACE).status_code == 401
    assert bearer(bad_token(prefix), address()).get(WORKSPACE).status_code == 429
    assert bearer(bad_token(), address()).get(WORKSPACE).status_code == 401  # another prefix is unaffected


def test_failed_logins_from_one_address_answer_429_with_retry_after(limits, staff):
    limits(per_address=3)
    here = address()
    for _attempt in range(3):
        failed = login(staff.username, "wrong", here)
        assert failed.status_code == 200 and "_auth_user_id" not in failed.client.session

    refused = login(staff.username, "right horse battery", here)

    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 300
    assert "Too many failed sign-in attempts" in refused.content.decode()


def test_a_login_elsewhere_does_not_unlock_an_address(limits, staff):
    limits(per_address=2)
    attacker = address()
    for _attempt in range(2):
        login(staff.username, "wrong", attacker)
    assert login(staff.username, "right horse battery", address()).status_code == 302  # the owner, elsewhere
    assert login(staff.username, "right horse battery", attacker).status_code == 429


def test_failed_logins_for_one_account_lock_it_from_every_address(limits, staff, make):
    limits(per_account=2)
    for _attempt in range(2):
        login(staff.username, "wrong", address())
    assert login(staff.username, "right horse battery", address()).status_code == 429
    other = make.user(f"staff-{uuid.uuid4().hex[:8]}", is_staff=True)
    other.set_password("another good one")
    other.save()
    assert login(other.username, "another good one", address()).status_code == 302

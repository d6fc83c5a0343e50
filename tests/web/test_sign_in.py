"""Signing in and out through the pages, throttled like every password sign-in."""

from __future__ import annotations

import uuid

from django.test import Client


def person(make, password: str = "right horse battery"):
    user = make.user(f"person-{uuid.uuid4().hex[:8]}")
    user.set_password(password)
    user.save()
    return user


def test_signing_in_lands_on_the_home_page(make, workspace):
    user = person(make)
    make.member(workspace, user=user)
    response = Client().post("/login/", {"username": user.username, "password": "right horse battery"})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_wrong_password_is_said_on_the_page(make):
    user = person(make)
    response = Client().post("/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_the_sign_in_page_is_throttled(make, settings):
    # Failures are counted in fixed windows of the clock; one this long is never crossed mid-test.
    settings.WEFT = {**settings.WEFT, "AUTH_FAILURES_PER_ADDRESS": 1000, "AUTH_FAILURES_PER_ACCOUNT": 2,
                     "AUTH_FAILURE_WINDOW_SECONDS": 10**9}
    user = person(make)
    client = Client(REMOTE_ADDR=f"2001:db8::{uuid.uuid4().hex[:4]}")
    for _ in range(2):
        assert client.post("/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": user.username, "password": "right horse battery"})
    assert locked.status_code == 429 and "Retry-After" in locked


def test_signing_out_needs_a_post_and_ends_the_session(make, workspace):
    client = Client()
    client.force_login(make.owner(workspace).user)
    response = client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert client.get("/").status_code == 302


def test_changing_the_password(make, workspace):
    user = person(make)
    make.member(workspace, user=user)
    client = Client()
    client.force_login(user)
    response = client.post("/password/", {"old_password": "right horse battery",
                                          "new_password1": "a much longer secret", "new_password2": "a much longer secret"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much longer secret")


def test_a_wrong_old_password_is_shown_under_its_field(make, workspace):
    user = person(make)
    make.member(workspace, user=user)
    client = Client()
    client.force_login(user)
    response = client.post("/password/", {"old_password": "nope", "new_password1": "x" * 12, "new_password2": "x" * 12})
    assert response.status_code == 200
    assert 'id="old_password-errors"' in response.content.decode()

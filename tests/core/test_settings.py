"""Production settings: DEBUG only when asked, HTTPS and security headers outside it, a strict CSP everywhere."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the test run sets for itself (see pyproject's pytest env) or a developer may have exported.
NOT_INHERITED = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    """The environment of a production deployment, without anything the tests export."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED and not k.startswith("WEFT_")}
    return env | {"WEFT_VAR_DIR": str(tmp_path), "SECRET_KEY": secrets.token_urlsafe(64),
                  "ALLOWED_HOSTS": "weft.example.com", "DJANGO_SETTINGS_MODULE": "apps.settings"}


def settings_in(env: dict[str, str], *names: str) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_manage_py_check_deploy_finds_nothing_with_production_variables(production):
    production |= {"WEFT_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "WEFT_SECURE_HSTS_PRELOAD": "true"}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=production, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_debug_is_off_unless_asked_and_then_needs_a_secret_key(production):
    assert settings_in(production, "DEBUG") == {"DEBUG": False}
    assert settings_in(production | {"DEBUG": "true"}, "DEBUG") == {"DEBUG": True}
    del production["SECRET_KEY"]
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=production, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "SECRET_KEY must be set when DEBUG is off" in done.stderr
    assert settings_in(production | {"DEBUG": "true"}, "DEBUG") == {"DEBUG": True}  # the demo needs none


def test_outside_debug_cookies_are_secure_and_https_is_required(production):
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER")
    assert settings_in(production, *names) == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False, "SECURE_PROXY_SSL_HEADER": None}
    behind_a_proxy = production | {"WEFT_SECURE_SSL_REDIRECT": "false", "WEFT_SECURE_HSTS_SECONDS": "60",
                                   "WEFT_SECURE_PROXY_SSL_HEADER": "true"}
    assert settings_in(behind_a_proxy, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER") == {
        "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 60,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}
    assert settings_in(production | {"DEBUG": "true"}, "SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT") == {
        "SESSION_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False}


def test_pages_carry_a_strict_content_security_policy_and_the_other_security_headers(client):
    response = client.get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_api_docs_page_loads_its_scripts_from_this_origin_and_may_run_its_inline_start(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self' 'unsafe-inline'" and policy["style-src"] == "'self' 'unsafe-inline'"
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', response.content.decode())
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert client.get("/api/v1/").get("Content-Security-Policy", "").startswith("default-src 'self'")

"""``manage.py bootstrap`` and ``manage.py create_token``."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from apps.accounts.models import Workspace
from apps.accounts.services import resolve_token

TOKEN = re.compile(r"weft_[\w-]+")


def _run(*args: str, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_bootstrap_creates_the_demo_once_and_shows_the_token_once(db, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    first, _ = _run("bootstrap")
    assert "http://127.0.0.1:8123/" in first
    assert "owner" in first and "weft-demo" in first
    token = TOKEN.search(first).group()
    assert resolve_token(token).workspace.slug == "demo"
    assert PeriodicTask.objects.filter(task="apps.core.tasks.purge_idempotency_keys").exists()

    second, _ = _run("bootstrap", "--port", "9000")
    assert "http://127.0.0.1:9000/" in second
    assert not TOKEN.search(second)
    assert "create_token owner --workspace demo" in second
    assert Workspace.objects.count() == 1


def test_bootstrap_leaves_an_existing_workspace_alone(make):
    make.workspace("Acme")
    out, _ = _run("bootstrap")
    assert not TOKEN.search(out)
    assert list(Workspace.objects.values_list("name", flat=True)) == ["Acme"]


def test_create_token_prints_a_working_token_alone_on_stdout(make):
    workspace = make.workspace()
    member = make.owner(workspace)
    out, err = _run("create_token", member.user.username)
    raw = out.strip()
    assert TOKEN.fullmatch(raw)
    token = resolve_token(raw)
    assert (token.member, token.name) == (member, "cli")
    assert workspace.slug in err


def test_create_token_needs_the_workspace_when_the_user_has_several(make):
    member = make.owner(make.workspace())
    other = make.workspace(owner=member.user)
    with pytest.raises(CommandError, match="--workspace"):
        _run("create_token", member.user.username)
    raw = _run("create_token", member.user.username, "--workspace", other.slug, "--name", "ci")[0].strip()
    assert resolve_token(raw).workspace == other


@pytest.mark.parametrize(("args", "message"), [
    (["nobody"], "No user"),
    (["{user}"], "not a member of any"),
    (["{user}", "--workspace", "elsewhere"], "not a member"),
])
def test_create_token_errors(make, args, message):
    user = make.user()
    make.workspace()
    with pytest.raises(CommandError, match=message):
        _run("create_token", *[a.format(user=user.username) for a in args])

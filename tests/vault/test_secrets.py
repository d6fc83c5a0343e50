"""The vault: values encrypted at rest, never shown back, every change audited without the value."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet

from apps.audit.models import AuditEntry
from apps.vault import crypto, services
from apps.vault.errors import SecretUnreadable
from apps.vault.models import Secret

VALUE = "MARKER-SECRET-1"


def test_a_secret_is_stored_encrypted_and_resolved_by_name(workspace, owner):
    secret = services.create_secret(workspace, "erp-token", VALUE, description="ERP", member=owner)

    stored = Secret.objects.get(pk=secret.pk)
    assert VALUE not in stored.ciphertext and stored.last_used_at is None
    assert services.resolve(workspace, "erp-token") == VALUE
    assert Secret.objects.get(pk=secret.pk).last_used_at is not None


def test_another_workspace_cannot_resolve_the_name(make, workspace, owner):
    services.create_secret(workspace, "erp-token", VALUE, member=owner)

    with pytest.raises(services.SecretNotFound):
        services.resolve(make.workspace(), "erp-token")


def test_the_key_defaults_to_one_derived_from_secret_key(settings):
    settings.WEFT_SECRETS_KEY = []
    assert crypto.configured_keys() == [crypto.derived_key(settings.SECRET_KEY)]
    assert crypto.derived_key(settings.SECRET_KEY) != crypto.derived_key(settings.SECRET_KEY + "x")


def test_a_rotated_key_keeps_old_values_readable_until_reencrypted(workspace, owner, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.WEFT_SECRETS_KEY = [old]
    services.create_secret(workspace, "erp-token", VALUE, member=owner)

    settings.WEFT_SECRETS_KEY = [new, old]
    assert services.resolve(workspace, "erp-token") == VALUE
    assert services.reencrypt_all() == 1

    settings.WEFT_SECRETS_KEY = [new]
    assert services.resolve(workspace, "erp-token") == VALUE
    settings.WEFT_SECRETS_KEY = [old]
    with pytest.raises(SecretUnreadable):
        services.resolve(workspace, "erp-token")


def test_changes_are_audited_without_the_value(workspace, owner):
    secret = services.create_secret(workspace, "erp-token", VALUE, member=owner)
    services.rotate_secret(secret, VALUE + "-2", member=owner)
    services.delete_secret(secret, member=owner)

    entries = AuditEntry.objects.filter(object_type="vault.secret").order_by("id")
    assert [e.action for e in entries] == ["secret.created", "secret.rotated", "secret.deleted"]
    assert entries[0].diff["value"] == "changed" and entries[1].diff == {"value": "changed"}
    assert all(VALUE not in str(e.diff) for e in entries)


def test_the_api_lists_names_and_never_a_value(api, member_api):
    created = api.post("/api/v1/secrets/", {"name": "erp-token", "value": VALUE, "description": "ERP"},
                       format="json")
    assert created.status_code == 201, created.json()
    rotated = api.put("/api/v1/secrets/erp-token/", {"value": VALUE + "-2"}, format="json")
    assert rotated.status_code == 200 and rotated.json()["rotated_at"]

    for client in (api, member_api):
        listed = client.get("/api/v1/secrets/")
        assert [s["name"] for s in listed.json()["results"]] == ["erp-token"]
        assert listed.json()["results"][0]["value"] == "••••"
        assert VALUE not in listed.content.decode() + client.get("/api/v1/secrets/erp-token/").content.decode()
    assert VALUE not in created.content.decode() + rotated.content.decode()


def test_members_below_builder_cannot_write_secrets(api, member_api):
    api.post("/api/v1/secrets/", {"name": "erp-token", "value": VALUE}, format="json")

    assert member_api.post("/api/v1/secrets/", {"name": "mine", "value": "x"}, format="json").status_code == 403
    assert member_api.put("/api/v1/secrets/erp-token/", {"value": "x"}, format="json").status_code == 403
    assert member_api.delete("/api/v1/secrets/erp-token/").status_code == 403


def test_bad_or_taken_names_are_refused_by_field(api):
    assert api.post("/api/v1/secrets/", {"name": "erp-token", "value": VALUE}, format="json").status_code == 201

    taken = api.post("/api/v1/secrets/", {"name": "erp-token", "value": VALUE}, format="json")
    bad = api.post("/api/v1/secrets/", {"name": "Not A Slug", "value": ""}, format="json")
    assert taken.status_code == 409 and "name" in taken.json()["errors"]
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"name", "value"}
    assert api.delete("/api/v1/secrets/erp-token/").status_code == 204
    assert api.get("/api/v1/secrets/erp-token/").status_code == 404


def test_the_reencrypt_command_moves_secrets_to_the_newest_key(workspace, owner, settings):
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.WEFT_SECRETS_KEY = [old]
    services.create_secret(workspace, "erp-token", VALUE, member=owner)
    settings.WEFT_SECRETS_KEY = [new, old]
    out = io.StringIO()
    call_command("reencrypt_secrets", stdout=out)

    assert "re-encrypted 1 secrets" in out.getvalue()

    settings.WEFT_SECRETS_KEY = [new]
    assert services.resolve(workspace, "erp-token") == VALUE

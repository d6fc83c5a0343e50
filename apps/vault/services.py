"""Use cases of secrets: create, rotate, delete, and resolve a name to its value at the moment of use.

Values go in and come out only here. The audit trail says a value changed,
never what it is; nothing returns a value to the API. ``resolve`` is for the
code about to send a credential (a step's header, a signature, a channel's
request) and keeps when it was last used.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit import services as audit
from apps.core.errors import ErrorCollector

from . import crypto, hooks
from .errors import SecretNameTaken, SecretNotFound
from .models import Secret
from .selectors import from_text, is_reference, reference_name

MAX_VALUE_CHARS = 10_000
CHANGED = "changed"


def get_secret(workspace, name: str) -> Secret:
    secret = Secret.objects.filter(workspace=workspace, name=name).first() if isinstance(name, str) else None
    if secret is None:
        raise SecretNotFound()
    return secret


def _clean_value(value: Any, errors: ErrorCollector) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE_CHARS:
        errors.add("value", _("must be text of 1 to %(n)d characters") % {"n": MAX_VALUE_CHARS})
        return ""
    return value


def _clean_description(value: Any, errors: ErrorCollector) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 500:
        errors.add("description", _("must be text of at most 500 characters"))
        return ""
    return value


@transaction.atomic
def create_secret(workspace, name: Any, value: Any, *, description: Any = "", member=None) -> Secret:
    errors = ErrorCollector()
    if not isinstance(name, str) or not name or slugify(name) != name or len(name) > 80:
        errors.add("name", _("must be a slug of letters, digits, '-' and '_' (at most 80)"))
    value = _clean_value(value, errors)
    description = _clean_description(description, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            secret = Secret.objects.create(workspace=workspace, name=name, description=description,
                                           ciphertext=crypto.encrypt(value), created_by=member,
                                           updated_by=member)
    except IntegrityError:
        raise SecretNameTaken(errors={"name": [SecretNameTaken.default_message]}) from None
    audit.record(workspace, member, "secret.created", secret, {"value": CHANGED, "description": description})
    hooks.secret_changed(secret.workspace_id, secret.name)
    return secret


@transaction.atomic
def rotate_secret(secret: Secret, value: Any, *, description: Any = None, member=None) -> Secret:
    """A new value (and optionally description); what used the old one uses the new one from now on."""
    errors = ErrorCollector()
    value = _clean_value(value, errors)
    changes: dict[str, Any] = {"value": CHANGED}
    if description is not None:
        secret.description = changes["description"] = _clean_description(description, errors)
    errors.raise_if_any()
    secret.ciphertext = crypto.encrypt(value)
    secret.rotated_at, secret.rotated_by, secret.updated_by = timezone.now(), member, member
    secret.save()
    audit.record(secret.workspace, member, "secret.rotated", secret, changes)
    hooks.secret_changed(secret.workspace_id, secret.name)
    return secret


@transaction.atomic
def put_secret(workspace, name: str, value: str, *, description: str = "", member=None) -> Secret:
    """Create ``name`` or give it a new value: for credentials a form stores on a person's behalf."""
    existing = Secret.objects.select_for_update().filter(workspace=workspace, name=name).first()
    if existing is None:
        return create_secret(workspace, name, value, description=description, member=member)
    return rotate_secret(existing, value, description=description, member=member)


@transaction.atomic
def delete_secret(secret: Secret, *, member=None) -> None:
    audit.record(secret.workspace, member, "secret.deleted", secret)
    hooks.secret_changed(secret.workspace_id, secret.name)
    secret.delete()


def resolve(workspace, name: str) -> str:
    """The value of ``name`` for immediate use (never to be stored or shown); records the use."""
    secret = get_secret(workspace, name)
    value = crypto.decrypt(secret.ciphertext)
    Secret.objects.filter(pk=secret.pk).update(last_used_at=timezone.now())
    return value


def resolve_text(workspace, text: str) -> str:
    """A text column's value, or the value of the secret it names (``selectors.as_text``)."""
    found = from_text(text)
    return resolve(workspace, reference_name(found)) if found else text


def resolve_references(workspace, value: Any) -> Any:
    """``value`` with every ``{"secret": name}`` inside it replaced by that secret's value."""
    if is_reference(value):
        return resolve(workspace, reference_name(value))
    if isinstance(value, dict):
        return {k: resolve_references(workspace, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_references(workspace, v) for v in value]
    return value


def reencrypt_all() -> int:
    """Move every stored secret to the newest key of ``WEFT_SECRETS_KEY``; how many were rewritten.

    Every one is: a Fernet token is new each time it is written, whatever key it was under.
    """
    count = 0
    for secret in Secret.objects.all().iterator():
        Secret.objects.filter(pk=secret.pk).update(ciphertext=crypto.reencrypt(secret.ciphertext))
        count += 1
    return count

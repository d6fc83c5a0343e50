"""What of a flow definition the API shows: credentials written into it are not shown back.

The rule, one for every place a definition leaves the API:
- a webhook trigger's ``secret`` is write-only: everyone sees ``••••`` (sent back
  unchanged, it keeps the stored value);
- to members below builder, every header value of ``http.request`` and
  ``webhook.send`` steps and ``webhook.send``'s ``secret`` show as ``••••``
  unless they are a secret reference (``{"secret": "<name>"}``), which is shown.
Builders see literal headers because they edit them; the flow check warns them
(``credential_warnings``) to use a secret reference instead.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.utils.translation import gettext as _

from apps.vault.selectors import MASK, is_reference

SENDING_STEPS = ("http.request", "webhook.send")
CREDENTIAL_HEADER = re.compile(r"auth|token|key|secret|signature|password|cookie|session", re.IGNORECASE)


def _steps(node: Any, path: str):
    """Every step object of a definition tree, with its path."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str) and isinstance(node.get("type"), str):
            yield node, path
        for key, value in node.items():
            if key != "trigger":
                yield from _steps(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _steps(value, f"{path}[{index}]")


def _hidden(value: Any) -> Any:
    return value if is_reference(value) else MASK


def masked_definition(definition: Any, *, reveal: bool) -> Any:
    """A copy of ``definition`` as shown to a member who may (``reveal``) or may not edit flows."""
    if not isinstance(definition, dict):
        return definition
    shown = copy.deepcopy(definition)
    trigger = shown.get("trigger")
    if isinstance(trigger, dict) and trigger.get("secret"):
        trigger["secret"] = MASK
    if reveal:
        return shown
    for step, _path in _steps(shown.get("steps"), "steps"):
        if step["type"] not in SENDING_STEPS:
            continue
        headers = step.get("headers")
        if isinstance(headers, dict):
            step["headers"] = {name: _hidden(value) for name, value in headers.items()}
        elif isinstance(headers, str):
            step["headers"] = MASK
        if "secret" in step:
            step["secret"] = _hidden(step["secret"])
    return shown


def for_audit(definition: Any) -> Any:
    """A definition as the audit log keeps it: the trigger's secret only as ``••••``."""
    return masked_definition(definition, reveal=True)


def audit_changes(before: Any, after: Any, diff: list[dict]) -> list[dict]:
    """A definition diff (of masked definitions) that says the trigger's secret changed, not to what."""
    def secret(definition: Any) -> Any:
        trigger = definition.get("trigger") if isinstance(definition, dict) else None
        return trigger.get("secret") if isinstance(trigger, dict) else None

    if secret(before) != secret(after) and not any(c.get("path") == "trigger.secret" for c in diff):
        diff = [*diff, {"op": "change", "path": "trigger.secret", "after": "changed"}]
    return diff


def keep_write_only(definition: Any, stored: dict | None) -> Any:
    """A definition sent back with the masked trigger secret gets the stored one again."""
    if not isinstance(definition, dict) or not isinstance(definition.get("trigger"), dict):
        return definition
    if definition["trigger"].get("secret") != MASK:
        return definition
    kept = stored.get("trigger", {}).get("secret") if isinstance(stored, dict) else None
    trigger = {k: v for k, v in definition["trigger"].items() if k != "secret"}
    if kept:
        trigger["secret"] = kept
    return {**definition, "trigger": trigger}


def credential_warnings(definition: Any) -> dict[str, list[str]]:
    """Credentials written as text into a definition, by path: they belong in a secret."""
    warnings: dict[str, list[str]] = {}
    advice = _('looks like a credential written as text: store it as a secret and write {"secret": "<name>"}')
    if not isinstance(definition, dict):
        return warnings
    for step, path in _steps(definition.get("steps"), "steps"):
        if step["type"] not in SENDING_STEPS:
            continue
        headers = step.get("headers")
        for name, value in (headers.items() if isinstance(headers, dict) else ()):
            if isinstance(value, str) and value and "{{" not in value and CREDENTIAL_HEADER.search(str(name)):
                warnings.setdefault(f"{path}.headers.{name}", []).append(advice)
        secret = step.get("secret")
        if isinstance(secret, str) and secret and "{{" not in secret:
            warnings.setdefault(f"{path}.secret", []).append(advice)
    return warnings

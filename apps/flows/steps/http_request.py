"""``http.request``: call another system's API (a carrier, an ERP, a sales channel).

Not transactional: the request leaves the building and cannot be rolled back,
so it runs outside the step's transaction and sends an ``Idempotency-Key``
(stable across retries) on unsafe methods for the receiver to deduplicate.
5xx answers, timeouts and connection failures are retryable; 4xx are not,
unless the status is listed in ``retry_on`` (e.g. 409, 429). Private
addresses are reachable only when the workspace's HTTP allow-list names them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.services import http_allow_list
from apps.core import http as _http
from apps.core.errors import WeftError
from apps.forms.conversion import json_value
from apps.vault import selectors as vault_selectors
from apps.vault import services as vault

from ..engine.signals import StepError
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
STATUSES = {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599}, "maxItems": 100}
STRINGS = {"type": ["object", "string"], "additionalProperties": {"type": ["string", "number", "boolean"]}}
HEADERS = {"type": ["object", "string"], "additionalProperties": {
    "anyOf": [{"type": ["string", "number", "boolean"]}, vault_selectors.reference_schema()]}}
TIMEOUT = {"type": ["number", "string"], "exclusiveMinimum": 0, "maximum": _http.MAX_TIMEOUT}


def decode(response: _http.Response) -> Any:
    """Parsed JSON for JSON answers, else text (a cut-off JSON answer stays text)."""
    text = response.body.decode("utf-8", errors="replace")
    if "json" in response.headers.get("content-type", "") and not response.truncated:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def send(ctx: StepContext, method: str, url: str, *, headers: dict, body: bytes | None, timeout: Any,
         expect: list[int] | None, retry_on: list[int], follow_redirects: bool = True,
         sensitive_headers: tuple[str, ...] = ()) -> _http.Response:
    """Make the request and turn failures into StepErrors the retry policy understands."""
    try:
        seconds = float(timeout if timeout not in (None, "") else 10)
    except (TypeError, ValueError):
        raise StepError(_("%(where)s: must be a number of seconds") % {"where": ctx.where("timeout")},
                        code="invalid_option") from None
    try:
        response = _http.request(method, url, headers=headers, body=body, timeout=seconds,
                                 follow_redirects=follow_redirects, allow=http_allow_list(ctx.workspace),
                                 sensitive_headers=sensitive_headers)
    except _http.HttpError as exc:
        raise StepError(f"{ctx.where()}: {exc}", code=exc.code, retryable=exc.retryable) from None
    ok = response.status in expect if expect else 200 <= response.status < 300
    if not ok:
        excerpt = response.body[:500].decode("utf-8", errors="replace")
        raise StepError(_("%(where)s: %(method)s %(url)s answered %(status)d") % {
            "where": ctx.where(), "method": method, "url": url[:200], "status": response.status},
            code="http_status", retryable=response.status >= 500 or response.status in retry_on,
            details={"status": response.status, "body": excerpt})
    return response


def secret_value(ctx: StepContext, value: Any, option: str) -> Any:
    """A ``{"secret": name}`` option resolved for this one request; other values as they are.

    The value goes straight into the request: it is never part of the step's
    journalled input, output or error, which keep the reference.
    """
    if not vault_selectors.is_reference(value):
        return value
    name = vault_selectors.reference_name(value)
    try:
        return vault.resolve(ctx.workspace, name)
    except WeftError as exc:
        raise StepError(_("%(where)s: secret '%(name)s': %(message)s") % {
            "where": ctx.where(option), "name": name, "message": exc.message}, code=exc.code) from None


def check_references(step: dict, path: str, checker: FlowChecker, options: tuple[str, ...]) -> None:
    """Every secret a step names must exist in the workspace when the flow is saved."""
    known = None
    for option in options:
        value = step.get(option)
        places = value.items() if option == "headers" and isinstance(value, dict) else [("", value)]
        for name, item in places:
            if not vault_selectors.is_reference(item):
                continue
            known = vault_selectors.secret_names(checker.workspace) if known is None else known
            if vault_selectors.reference_name(item) not in known:
                where = f"{path}.{option}.{name}" if name else f"{path}.{option}"
                checker.error(where, _("no secret '%(name)s' in this workspace") % {
                    "name": vault_selectors.reference_name(item)})


def text_headers(ctx: StepContext, option: str) -> dict[str, str]:
    value = ctx.option(option, {}) or {}
    if not isinstance(value, dict):
        raise StepError(_("%(where)s: must be a mapping of names to values") % {"where": ctx.where(option)},
                        code="invalid_option")
    return {str(k): str(json_value(secret_value(ctx, v, f"{option}.{k}"))) for k, v in value.items()}


@step_types.register
class HttpRequest(StepType):
    type = "http.request"
    label = gettext_lazy("HTTP request")
    schema = {
        "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
        "url": {"type": "string", "minLength": 1, "maxLength": 2000},
        "headers": HEADERS,
        "query": STRINGS,
        "body": {},
        "body_text": {"type": "string", "maxLength": 1_000_000},
        "timeout": TIMEOUT,
        "expect": STATUSES,
        "retry_on": STATUSES,
    }
    required = ("url",)
    transactional = False

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        super().check(step, path, checker)
        check_references(step, path, checker, ("headers",))

    def execute(self, step: dict, ctx: StepContext) -> Any:
        method = step.get("method", "GET")
        url = str(ctx.option("url"))
        query = text_headers(ctx, "query")
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        headers = {"Accept": "application/json, text/plain;q=0.9, */*;q=0.5", "User-Agent": "Weft"}
        body = None
        if "body" in step:
            body = json.dumps(json_value(ctx.option("body")), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        elif "body_text" in step:
            body = str(ctx.option("body_text")).encode()
            headers["Content-Type"] = "text/plain; charset=utf-8"
        if method in UNSAFE:
            headers["Idempotency-Key"] = ctx.idempotency_key()
        own = text_headers(ctx, "headers")
        headers.update(own)
        response = send(ctx, method, url, headers=headers, body=body, timeout=ctx.option("timeout"),
                        expect=step.get("expect"), retry_on=step.get("retry_on") or [],
                        sensitive_headers=tuple(own))
        return {"status": response.status, "headers": response.headers, "body": decode(response),
                "truncated": response.truncated, "url": response.url, "redirects": response.redirects}

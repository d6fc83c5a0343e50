"""``platform/reference/secrets.md``: how a definition names a secret instead of holding it."""

from __future__ import annotations

import json

from .selectors import MASK, reference, reference_schema

PAGE = """# Secrets

A secret is a credential (an API key, a token, a signing secret) stored encrypted in the
workspace and used by name. It is write-only: `/api/v1/secrets/` lists names, descriptions
and dates, shows the value as `{mask}`, and no answer ever contains it.

## Naming a secret

Wherever a credential is accepted, write the reference instead of the value:

```json
{example}
```

The one shape everywhere: an object whose only key is `secret`, naming a secret of the same
workspace. Its JSON Schema:

```json
{schema}
```

It is resolved at the moment of use, never earlier, so rotating a secret
(`PUT /api/v1/secrets/<name>/`) changes what every user of it sends from then on:

| where | example |
| --- | --- |
| `http.request` and `webhook.send` header values | `"headers": {{"Authorization": {{"secret": "erp-token"}}}}` |
| `webhook.send` option `secret` | `"secret": {{"secret": "partner-signing"}}` |
| subscription signing secret (on create) and header values | `"secret": {{"secret": "erp-signing"}}`, `"headers": {{"Authorization": {{"secret": "erp-token"}}}}` |
| inbound endpoint secret (on create, change or rotation; read when a delivery arrives) | `"secret": {{"secret": "shop-token"}}` |
| channel account credentials | `"credentials": {{"app_key": "123", "session": {{"secret": "taobao-session"}}}}` |

A flow, subscription or account naming a secret that does not exist is refused at the path of the
reference. Run journals (a step's input and output, errors) keep the reference, never the value. There is no
`secret()` in the expression language: an expression's result can end up in a run's output.

## Channel account credentials

An adapter declares its credentials (`credentials` in the adapter document, each with
`"secret": true` or not). A secret credential given as a value is stored in the vault as
`channel-<account>-<credential>` and the account keeps the reference; the API shows it as
`{mask}`. Changing an account's `base_url` needs its secret credentials entered again in
the same request, and a `base_url` outside the adapter's declared `hosts` is refused unless they are.

## Who sees what

- Members list secret names. Builders and above create, rotate and delete.
- A flow's webhook `trigger.secret` is never shown (`{mask}`; send it back unchanged to keep it); the
  webhook URL (its token) is shown to builders and above only.
- Literal `http.request` / `webhook.send` header values and a literal `webhook.send` `secret` are shown
  to builders and above only; the flow check warns about them: use a secret reference.
"""


def secrets_reference() -> str:
    return PAGE.format(mask=MASK, example=json.dumps(reference("erp-token")),
                       schema=json.dumps(reference_schema(), indent=2))

"""The expression language's reference page, with the filter list taken from the registry."""

from __future__ import annotations

import inspect

from .filters import FILTERS
from .functions import GLOBALS

INTRO = """# Expressions

One language for values and conditions, in forms (formula fields) and flows (step options,
branch conditions, trigger conditions, notification bodies).

- A value is text with `{{ expression }}` parts: `"Order {{ record.order_no }}"`. A value that is
  exactly one `{{ expression }}` keeps the expression's type (a number, a list, a record).
- A condition is a bare expression: `record.status == 'paid' and record.total > 500`. A name that
  does not exist counts as false in a condition and is an error in a value.
- Numbers are exact: `0.1 + 0.2 == 0.3`, and `/` gives a decimal. Money is never a float.
- What an expression sees: `record` (the trigger's record; `previous` before an update), `changed`
  (the changed field keys), `line_changes` (per subtable: added, removed, changed lines), `steps.<id>`
  (earlier steps' outputs), `vars` (variables set by `set` steps), `item`/`index` (in a loop),
  `input`, `trigger`, `now` and `today` (in the workspace's time zone).
- Every evaluation is bounded in time, in the size of the text and lists it builds, and in loop
  iterations; private attributes, string formatting, Python internals, settings and the database are
  out of reach.
- An expression is at most 4,000 characters (`WEFT_EXPRESSION_MAX_CHARS`), with at most 100
  operators, calls and brackets and brackets nested at most 32 deep; a form, flow or endpoint mapping
  holds at most 64 KB of expressions in all (`WEFT_DEFINITION_EXPRESSION_CHARS`). Past these, saving
  it is refused with the place of the expression.
"""


def expressions_reference() -> str:
    lines = [INTRO, "## Functions", ""]
    lines += [f"- `{name}`" for name in sorted(GLOBALS)]
    lines += ["", "## Filters", "", "Used as `value | filter(arguments)`.", ""]
    for name in sorted(FILTERS):
        doc = inspect.getdoc(FILTERS[name]) or ""
        summary = doc.splitlines()[0] if doc else ""
        lines.append(f"- `{name}`" + (f": {summary}" if summary else ""))
    return "\n".join(lines)

"""Who a notify or approval step means: member ids, usernames, or "owner" (the flow's owner).

A template names people by username: ``export_people`` turns member ids into
usernames and ``import_people`` resolves usernames to the ids of the workspace
it is installed in; "owner" and expressions travel as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from apps.accounts.models import Member, Role
from apps.core.errors import ValidationFailed
from apps.forms.fields import TransferContext

from ..engine.signals import StepError

if TYPE_CHECKING:
    from ..engine.context import StepContext

PEOPLE = {"type": ["array", "string", "integer"], "items": {"type": ["string", "integer"]}, "maxItems": 200}


def members(ctx: StepContext, option: str) -> list[Member]:
    """The members named by the option, each once, in order; an unknown name is an error, not a silent skip."""
    value = ctx.option(option)
    names = value if isinstance(value, list) else [value]
    found: dict[int, Member] = {}
    scope = Member.objects.filter(workspace=ctx.workspace).select_related("user")
    for name in names:
        if name in (None, ""):
            continue
        if name == "owner":
            owner = ctx.run.flow.owner if ctx.run is not None and ctx.run.flow.owner_id else None
            matches = [owner] if owner else list(scope.filter(role=Role.OWNER))
        elif isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
            matches = list(scope.filter(pk=int(name)))
        else:
            matches = list(scope.filter(user__username=str(name)))
        if not matches:
            raise StepError(_("%(where)s: no member '%(name)s' in this workspace") % {
                "where": ctx.where(option), "name": name}, code="unknown_member")
        for member in matches:
            found.setdefault(member.pk, member)
    if not found:
        raise StepError(_("%(where)s: names nobody") % {"where": ctx.where(option)}, code="unknown_member")
    return list(found.values())


def render(ctx: StepContext, source: Any, option: str) -> str:
    """A text template (``if``/``for`` allowed) rendered against the run's data."""
    from apps.expressions import ExpressionError, render_template

    if not isinstance(source, str) or not source:
        return "" if source is None else str(source)
    try:
        return render_template(source, ctx.scope())
    except ExpressionError as exc:
        raise StepError(str(exc.at(ctx.where(option))), code=f"expression_{exc.kind}") from None


def _literal_id(name: Any) -> int | None:
    if isinstance(name, str) and name.isdigit():
        return int(name)
    return name if isinstance(name, int) and not isinstance(name, bool) else None


def _is_name(name: Any) -> bool:
    return isinstance(name, str) and name != "owner" and not name.isdigit() and "{{" not in name and "{%" not in name


def _people(step: dict, option: str, convert, message: Any, applies) -> dict:
    value = step.get(option)
    names = value if isinstance(value, list) else [value]
    out, errors = [], {}
    for index, name in enumerate(names):
        if not applies(name):
            out.append(name)
            continue
        converted = convert(name)
        if converted is None:
            errors[f"{option}[{index}]" if isinstance(value, list) else option] = [message % {"name": name}]
        out.append(converted)
    if errors:
        raise ValidationFailed(errors)
    return {**step, option: out if isinstance(value, list) else out[0]}


def export_people(step: dict, option: str, ctx: TransferContext) -> dict:
    """The step with the member ids of ``option`` as usernames."""
    return _people(step, option, lambda name: ctx.username_of(_literal_id(name)),
                   _("no member '%(name)s' in this workspace"), lambda name: _literal_id(name) is not None)


def import_people(step: dict, option: str, ctx: TransferContext) -> dict:
    """The step with the usernames of ``option`` as member ids of ``ctx.workspace``."""
    return _people(step, option, ctx.member_id, _("no member '%(name)s' in this workspace"), _is_name)

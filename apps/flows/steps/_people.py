"""Who a notify or approval step means: member ids, usernames, or "owner" (the flow's owner)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from apps.accounts.models import Member, Role

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

"""Connects the triggers to the forms app's explicit hooks (called once from FlowsConfig.ready)."""

from __future__ import annotations

from apps.forms import hooks as form_hooks


def before_save_rule(form):
    """The before-save rule for ``form``, or None (one cheap query) when it has no such flow."""
    from ..models import Flow
    from .before_save import run_before_save_flows

    has_flows = Flow.objects.filter(trigger_type="before_save", trigger_form=form, enabled=True,
                                    paused_at__isnull=True).exists()
    return run_before_save_flows if has_flows else None


def connect() -> None:
    form_hooks.on_before_save(before_save_rule)

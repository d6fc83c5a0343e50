"""Flows and runs as the API shows them; a run's steps are nested into the tree of the definition."""

from __future__ import annotations

from ..masking import masked_definition
from ..models import Flow, Run, StepRun


def flow_to_api(flow: Flow, *, reveal: bool = False) -> dict:
    """``reveal``: the caller may edit flows, so sees the webhook URL (its token is the credential)
    and the headers written into steps; a trigger's secret is shown to nobody."""
    return {
        "id": flow.pk,
        "key": flow.key,
        "name": flow.name,
        "version": flow.version,
        "enabled": flow.enabled,
        "paused": flow.paused_at is not None,
        "paused_reason": flow.paused_reason,
        "trigger_type": flow.trigger_type,
        "webhook_url": f"/api/v1/hooks/flows/{flow.webhook_token}/" if flow.webhook_token and reveal else None,
        "definition": masked_definition(flow.definition, reveal=reveal),
        "created_at": flow.created_at.isoformat(),
        "updated_at": flow.updated_at.isoformat(),
    }


def _iso(value):
    return value.isoformat() if value else None


def run_to_api(run: Run, *, steps: list[StepRun] | None = None) -> dict:
    data = {
        "id": run.pk,
        "flow": run.flow.key,
        "flow_version": run.flow_version,
        "status": run.status,
        "trigger": run.trigger,
        "error": run.error,
        "output": run.output,
        "attempts": run.attempts,
        "parent": run.parent_id,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "wake_at": _iso(run.wake_at),
    }
    if steps is not None:
        data["input"] = run.input
        data["variables"] = run.variables
        data["steps"] = step_tree(steps)
    return data


def step_tree(steps: list[StepRun]) -> list[dict]:
    """Step executions nested by path: ``loop[2].take`` sits under ``loop``.

    A container (loop, branch) writes its own row only when it completes; one
    the run is still inside, or failed inside, is shown from the decision it
    journalled first (``loop~items``), so its children still nest under it.
    """
    memos = [s for s in steps if "~" in s.path]
    rows = [(s.path, s.pk, _node(s)) for s in steps if "~" not in s.path]
    known = {path for path, _pk, _node_ in rows}
    for memo in memos:
        owner = memo.path.partition("~")[0]
        if owner not in known:
            known.add(owner)
            inside = [s for s in steps if s.path.startswith((f"{owner}.", f"{owner}["))]
            status = "failed" if any(s.status == "failed" for s in inside) else "running"
            rows.append((owner, memo.pk, {**_node(memo), "path": owner, "status": status, "output": None,
                                          "finished_at": None}))
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for path, _pk, node in sorted(rows, key=lambda r: (r[0].count("."), r[1])):
        nodes[path] = node
        parent = _parent_path(path, nodes)
        (nodes[parent]["children"] if parent else roots).append(node)
    for node in nodes.values():
        node["children"].sort(key=lambda n: n["started_at"] or "")
    for memo in memos:
        owner, _sep, name = memo.path.partition("~")
        if owner in nodes:
            nodes[owner].setdefault("memo", {})[name] = memo.output
    return roots


def _node(step: StepRun) -> dict:
    return {"path": step.path, "id": step.step_id, "type": step.step_type, "status": step.status,
            "attempts": step.attempts, "input": step.input, "output": step.output, "error": step.error,
            "started_at": _iso(step.started_at), "finished_at": _iso(step.finished_at), "children": []}


def _parent_path(path: str, nodes: dict[str, dict]) -> str | None:
    candidate = path
    while "." in candidate:
        candidate = candidate.rpartition(".")[0]
        base = candidate.split("[")[0] if candidate.endswith("]") else candidate
        for option in (candidate, base):
            if option in nodes and option != path:
                return option
    return None

"""How the flows app's modules import each other: the engine and the triggers reach Celery only through kick.

Imports inside functions count too: they are the ones that hid the circle
between the task module and the engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import apps.flows

ROOT = Path(apps.flows.__file__).parent
TASKS = "apps.flows.tasks"
SEAM = "apps.flows.kick"


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = ("apps", "flows", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            candidates = [f"{module}.{alias.name}" for alias in node.names] + [module]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        for target in graph[current]:
            if target == goal:
                return True
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def test_the_engine_and_the_triggers_never_import_the_task_module():
    graph = _graph()
    direct = sorted(name for name, targets in graph.items() if TASKS in targets and name != SEAM
                    and name.startswith(("apps.flows.engine", "apps.flows.triggers")))
    assert direct == []


def test_the_task_module_is_in_no_import_circle_but_for_the_seam_it_is_asked_through():
    graph = _graph()
    graph[SEAM] = graph.get(SEAM, set()) - {TASKS}  # the seam imports the tasks when it sends, never at load
    assert not _reaches(graph, TASKS, TASKS)

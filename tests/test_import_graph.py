"""The project's own modules import each other without a cycle, at module or function level.

A cycle forces an import inside a function to break it at run time, and hides which room depends
on which. Services send tasks by name (config/queue.py) instead of importing task modules.
"""

import ast
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from config import queue
from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "tests", "migrations", "bench", "node_modules", "staticfiles", ".git"}


def project_modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if SKIP & set(rel.parts):
            continue
        name = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    def known(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                found = known(target)
                # A module importing its own package (``from cases.scanners import base`` inside
                # cases.scanners.har) is not a cycle: the package is initialised first either way.
                if found and found != name and not name.startswith(found + "."):
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read():
    graph = import_graph(project_modules())
    assert "cases.workflow" in graph["cases.ingest.service"] or graph["cases.tasks"]
    assert "cases.models" in graph["cases.workflow"]


def test_no_import_cycle():
    assert cycles(import_graph(project_modules())) == []


def test_a_cycle_would_be_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def sent_task_names() -> set[str]:
    """Every task name a module sends: ``queue.send("x", ...)`` or through a ``*_TASK`` constant."""
    names = set()
    for path in project_modules().values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and target.id.endswith("_TASK")
        }
        for node in ast.walk(tree):
            func = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "send"
                and isinstance(func.value, ast.Name)
                and func.value.id == "queue"
            ):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):
                    names.add(first.value)
                elif isinstance(first, ast.Name) and first.id in constants:
                    names.add(constants[first.id])
                else:
                    raise AssertionError(f"{path}: a task sent by a name this test cannot read")
    return names


def test_every_task_sent_by_name_is_registered():
    names = sent_task_names()
    assert {"cases.tasks.ingest_scan", "outbox.tasks.run_outbox_job"} <= names
    assert names <= set(app.tasks), names - set(app.tasks)
    assert callable(queue.send)


def test_every_beat_entry_names_a_registered_task():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled <= set(app.tasks), scheduled - set(app.tasks)
    for name in scheduled:
        assert import_string(name) is not None

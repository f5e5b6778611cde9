"""Imports point one way: the pages and the periodic jobs never import the socket
handlers (importing those registers events), and the modules that once imported each
other in a circle load on their own; PostgreSQL's driver and connection stay behind the
store."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import reflect


def _modules_loaded_by(module: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", f"import sys, {module}; print('\\n'.join(sys.modules))"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("module", ["reflect.join.views", "reflect.facilitate.views", "reflect.rooms.jobs"])
def test_pages_and_jobs_do_not_load_the_socket_handlers(module):
    loaded = _modules_loaded_by(module)
    assert not loaded & {"reflect.rooms.phone_events", "reflect.rooms.facilitator_events",
                         "reflect.rooms.display_events", "reflect.rooms.socket_calls"}


def _imports(root: Path) -> dict[str, set[str]]:
    """Which modules of ``reflect`` each module imports (at the top or inside a function)."""
    files = {".".join(f.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): f
             for f in root.rglob("*.py")}
    graph = {}
    for name, file in files.items():
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                             for alias in node.names)
        graph[name] = {module for module in found if module in files and module != name}
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), list(graph[start])
    while todo:
        module = todo.pop()
        if module == goal:
            return True
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return False


def test_the_live_session_the_deck_format_and_retention_import_in_no_circle():
    graph = _imports(Path(reflect.__file__).parent)
    for name in graph:
        if name.startswith(("reflect.rooms", "reflect.prompts", "reflect.retention")):
            assert not _reaches(graph, name, name), name


def _imported_names(file: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module or "")
    return names


def test_only_the_store_knows_postgresql_s_own_connection_and_driver():
    """psycopg2 and the connection that begins its own transactions stay behind
    ``reflect.db``: no service or handler reaches past the storage seam to them."""
    root = Path(reflect.__file__).parent
    graph = _imports(root)
    assert {name for name, imported in graph.items() if "reflect.postgresql_connection" in imported} == {"reflect.db"}
    drivers = {f.relative_to(root.parent).as_posix() for f in root.rglob("*.py")
               if any(name.split(".")[0] == "psycopg2" for name in _imported_names(f))}
    assert drivers == {"reflect/postgresql_connection.py"}, drivers

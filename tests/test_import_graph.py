"""No import circle anywhere in lnlib: every module's imports (at the top and inside functions) form a graph
without a cycle, so that each module can be read before the ones that use it."""

from __future__ import annotations

import ast
from pathlib import Path

from lnlib.support import paths

PACKAGE = paths.ROOT / "lnlib"


def module_name(path: Path) -> str:
    parts = path.relative_to(paths.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: dict) -> set:
    """The lnlib modules ``path`` imports, wherever in it the import stands."""
    found = set()
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
    return found - {this}


def cycles(graph: dict) -> list:
    """Each import circle of ``graph`` (module → modules it imports) as a list of modules, found by a depth-first walk."""
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                found.append(stack[stack.index(other) :] + [other])
            elif other not in state:
                visit(other)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_circle_and_accepts_a_chain():
    # cs231n's habit: the expected result beside the check
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones(tmp_path):
    known = modules()
    own = imports(PACKAGE / "__main__.py", known)
    assert "lnlib.tools.verdicts" in own  # imported inside run(), not at the top
    assert "lnlib.support.protocol" in own


def test_lnlib_has_no_import_circle():
    known = modules()
    graph = {name: imports(path, known) for name, path in known.items()}
    assert cycles(graph) == []

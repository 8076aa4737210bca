"""The architecture holds: the import contracts (pyproject.toml), no import cycle, no oversized module.

See docs/ARCHITECTURE.md for the layers these checks keep.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "analysis", "widgets", "resources")
MAX_LINES = 800


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` as CI runs it, on the project in ``cwd`` (its own packages first on the path)."""
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", code, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("analysis/audio.py", "import PySide6.QtCore", "Only app.gui and widgets import Qt"),
        ("app/export/interchange.py", "import app.gui.session", "Only app.gui and widgets import Qt"),
        ("widgets/timeline_view.py", "import app.project.store", "Widgets are views"),
        ("app/model/records.py", "import app.project.store", "Layers: arrows only point down"),
    ],
)
def test_a_broken_contract_fails_the_check(tmp_path: Path, module: str, line: str, contract: str) -> None:
    """The contracts are not decoration: one forbidden import in a copy of the project makes the check fail."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = next((tmp_path / module).parent.glob("*.py")) if not (tmp_path / module).exists() else tmp_path / module
    target.write_text(target.read_text() + f"\n{line}\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout and contract.split(":")[0] in result.stdout.replace("\n", " ")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules() -> None:
    """Run-time imports only: an import under ``if TYPE_CHECKING`` cannot make a cycle."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    edges = {module: set(graph.find_modules_directly_imported_by(module)) & graph.modules for module in graph.modules}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_is_over_800_lines() -> None:
    folders = [*PACKAGES, "tests", "bench", "docs"]
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
    }
    sizes[str(Path("main.py"))] = len((ROOT / "main.py").read_text(encoding="utf-8").splitlines())
    assert {path: lines for path, lines in sizes.items() if lines > MAX_LINES} == {}

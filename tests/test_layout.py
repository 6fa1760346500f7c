"""The layout stays readable: small modules, each saying its job, and no import cycles."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"skact": ROOT / "skact", "skact_cli": ROOT / "cli"}
MAX_LINES = 420  # "about 400": a module past this has grown two jobs


def modules():
    """(dotted name, path) of every module in skact/ and cli/."""
    found = []
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join([package, *parts]), path))
    return found


MODULES = modules()
NAMES = {name for name, _ in MODULES}


def module_level_imports(name, path):
    """skact modules imported when ``name`` is imported (function-level imports are lazy)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            imported.add(target)
            imported.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in imported if m in NAMES and m != name}


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[n for n, _ in MODULES])
def test_module_is_small_and_says_its_job(name, path):
    lines = path.read_text().count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concern"
    if path.stat().st_size:
        assert ast.get_docstring(ast.parse(path.read_text())), f"{name} has no docstring"


def test_no_import_cycles():
    graph = {name: module_level_imports(name, path) for name, path in MODULES}
    done, path_stack = set(), []

    def visit(node):
        if node in path_stack:
            cycle = path_stack[path_stack.index(node):] + [node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        path_stack.append(node)
        for other in sorted(graph[node]):
            # importing a package's submodule imports the package first: not a cycle back
            if not node.startswith(other + "."):
                visit(other)
        path_stack.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


def test_the_library_never_imports_the_cli():
    for name, path in MODULES:
        if name.startswith("skact.") or name == "skact":
            assert not any(m.startswith("skact_cli") for m in module_level_imports(name, path))
            assert "skact_cli" not in path.read_text(), f"{name} refers to the CLI"


def test_every_package_is_in_the_wheel():
    """pyproject.toml lists packages explicitly (cli/ installs as skact_cli): a new
    subpackage left out of that list would be missing from a non-editable install."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "skact").rglob(
        "__init__.py")}
    found |= {"skact_cli" + "".join(f".{part}" for part in p.parent.relative_to(
        root / "cli").parts) for p in (root / "cli").rglob("__init__.py")}
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"

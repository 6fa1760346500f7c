"""The layout stays readable: folders by layer, small modules that say their job, imports
that only point down, and no import loop, also through imports inside functions."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"skact": ROOT / "skact", "skact_cli": ROOT / "cli"}
MAX_LINES = 420  # "about 400": a module past this has grown two jobs
MAX_TOP_LEVEL_MODULES = 12  # directly under skact/: the rest lives in its layer's folder

# The layers, bottom first: a module may import its own layer and those below it, never
# one above. Declared here once; the README's "Where things live" explains each.
LAYERS = (
    ("foundation", ("skact.exceptions", "skact.activations", "skact.conftest")),
    ("torch building blocks", ("skact.nn",)),
    ("training engine", ("skact.engine",)),
    ("estimators", ("skact.estimators",)),
    ("data", ("skact.data",)),
    ("model files", ("skact.model_files",)),
    ("tuning", ("skact.tuning",)),
    ("comparison", ("skact.compare",)),
    ("reports", ("skact.report",)),
    ("command line", ("skact_cli",)),
)


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


def _facade_names():
    """``from skact import MLPClassifier``: the module that the package's lazy name is."""
    return dict(importlib.import_module("skact")._LAZY)


FACADE = _facade_names()


def imports(name, path, *, inside_functions=True):
    """skact modules that ``name`` imports: at module level, and (by default) inside
    functions too, which run later but close a loop all the same."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = ast.walk(tree) if inside_functions else tree.body
    imported = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:
                if f"{target}.{alias.name}" in NAMES:  # a module: `from skact import plots`
                    imported.add(f"{target}.{alias.name}")
                elif target == "skact" and alias.name in FACADE:  # a lazy public name
                    imported.add(FACADE[alias.name])
                else:
                    imported.add(target)
    return {m for m in imported if m in NAMES and m != name}


def layer_of(name):
    """Index of the layer a module belongs to (the ``skact`` package itself: the highest
    layer its lazy public names reach)."""
    if name == "skact":
        return max(layer_of(module) for module in FACADE.values())
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{name} is in no layer: add its folder to LAYERS")


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[n for n, _ in MODULES])
def test_module_is_small_and_says_its_job(name, path):
    lines = path.read_text().count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concern"
    if path.stat().st_size:
        assert ast.get_docstring(ast.parse(path.read_text())), f"{name} has no docstring"


def test_folders_show_the_layers():
    top = [p for p in (ROOT / "skact").glob("*.py")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(p.name for p in top)
    for package in (ROOT / "skact").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(package.read_text()))
        assert doc, f"{package.parent.name}/__init__.py must say the folder's one job"
    for name, _ in MODULES:
        layer_of(name)  # every module belongs to a declared layer


def test_imports_only_point_down_a_layer_or_across_one():
    upward = []
    for name, path in MODULES:
        for other in imports(name, path):
            if name.startswith(other + "."):  # a submodule's own package: imported first
                continue
            if layer_of(other) > layer_of(name):
                upward.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {other} "
                              f"({LAYERS[layer_of(other)][0]})")
    assert not upward, "imports up a layer:\n" + "\n".join(upward)


def test_no_import_cycles_even_through_imports_inside_functions():
    graph = {name: imports(name, path) for name, path in MODULES}
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


def test_the_checks_see_imports_inside_functions():
    """The loop check must read function bodies: a loop closed only there is still a loop."""
    results = ROOT / "skact" / "compare" / "results.py"
    assert "skact.compare.plots" in imports("skact.compare.results", results)
    assert "skact.compare.plots" not in imports("skact.compare.results", results,
                                                inside_functions=False)


def test_the_library_never_imports_the_cli():
    for name, path in MODULES:
        if name.startswith("skact.") or name == "skact":
            assert not any(m.startswith("skact_cli") for m in imports(name, path))
            assert "skact_cli" not in path.read_text(), f"{name} refers to the CLI"


def test_every_package_is_in_the_wheel():
    """pyproject.toml lists packages explicitly (cli/ installs as skact_cli): a new
    subpackage left out of that list would be missing from a non-editable install."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "skact").rglob(
        "__init__.py")}
    found |= {"skact_cli" + "".join(f".{part}" for part in p.parent.relative_to(
        ROOT / "cli").parts) for p in (ROOT / "cli").rglob("__init__.py")}
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"

"""The package's modules stand in layers, with no circle of imports (the layers are in gan_lessons/__init__.py).

Every import is read with `ast`: at the top of a file and inside functions, `from . import x`,
`from .x import y`, `from gan_lessons.x import y` and `import gan_lessons.x`.
"""

import ast
import re
from pathlib import Path

import pytest

import gan_lessons

PACKAGE = Path(gan_lessons.__file__).parent
# The one import that looks up a layer: training.__getattr__ hands out the engine's names (Trainer, History ...)
# so that the lessons' `from gan_lessons.training import Trainer` keeps working. It is not a dependency of
# training's maths: the engine is loaded only when one of those names is asked for.
LOOKUPS_UP = {("training", "engine")}


def imports_of(source: str, modules: set[str]) -> dict[str, set[str]]:
    """The package modules SOURCE imports -> the names of the functions they are imported in ("" for the top)."""
    found: dict[str, set[str]] = {}

    def note(name: str, where: str) -> None:
        if name in modules:
            found.setdefault(name, set()).add(where)

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and not where else where
            if isinstance(child, ast.ImportFrom):
                parts = (child.module or "").split(".")
                if child.level == 1 and child.module:  # from .x import y
                    note(parts[0], where)
                elif child.level == 1 or (child.level == 0 and child.module == "gan_lessons"):  # from . import x
                    for alias in child.names:
                        note(alias.name, where)
                elif child.level == 0 and parts[0] == "gan_lessons":  # from gan_lessons.x import y
                    note(parts[1], where)
            elif isinstance(child, ast.Import):
                for alias in child.names:  # import gan_lessons.x
                    parts = alias.name.split(".")
                    if parts[0] == "gan_lessons" and len(parts) > 1:
                        note(parts[1], where)
            visit(child, inner)

    visit(ast.parse(source), "")
    return found


def package_imports() -> dict[str, dict[str, set[str]]]:
    """Each module of gan_lessons -> the package modules it imports -> where."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {p.stem: imports_of(p.read_text(encoding="utf-8"), modules - {p.stem}) for p in PACKAGE.glob("*.py")}


def dependencies() -> dict[str, set[str]]:
    """Module -> the modules it depends on (everything but the deliberate look-ups in LOOKUPS_UP)."""
    return {m: {d for d in deps if (m, d) not in LOOKUPS_UP} for m, deps in package_imports().items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports in GRAPH (module -> modules it imports) as [a, b, ..., a], or None when there is none."""
    state: dict[str, str] = {}  # "open" while its imports are being followed, "done" after
    path: list[str] = []

    def follow(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = follow(nxt)
                if found:
                    return found
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = follow(start)
            if found:
                return found
    return None


def layers_in_docstring() -> dict[str, int]:
    """Module -> its layer number, read from the package docstring's numbered list."""
    layers, number = {}, None
    for line in (gan_lessons.__doc__ or "").splitlines():
        head = re.match(r"\s+(\d+)\. [^:]+:(.*)", line)
        if head:
            number, names = int(head[1]), head[2]
        elif number is not None and line.startswith("       ") and line.strip():
            names = line
        else:
            number = None
            continue
        for name in filter(None, (n.strip() for n in names.split(","))):
            assert name not in layers, f"{name} is in two layers of the package docstring"
            layers[name] = number
    return layers


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None  # two ways to c: no circle
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y"}}) == ["y", "y"]
    assert find_cycle({"z": {"a"}, "a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def test_imports_are_read_at_the_top_and_inside_functions():
    source = ("from . import validate as check\nfrom .data import load\nimport gan_lessons.models\n"
              "def f():\n    from .engine import Trainer\n    from gan_lessons.plots import grid\n"
              "    from gan_lessons import cli\n    import torch\n")  # fmt: skip
    known = {"validate", "data", "models", "engine", "plots", "cli"}
    found = imports_of(source, known)
    assert found == {"validate": {""}, "data": {""}, "models": {""}, "engine": {"f"}, "plots": {"f"}, "cli": {"f"}}


def test_the_package_has_no_circle_of_imports():
    assert find_cycle(dependencies()) is None


def test_an_added_circle_would_be_caught():
    graph = dependencies()
    graph["models"] = graph["models"] | {"engine"}  # as if models imported the engine
    assert find_cycle(graph) is not None


def test_every_module_is_in_one_layer_and_imports_only_its_layer_or_below():
    layers = layers_in_docstring()
    graph = dependencies()
    assert graph.pop("__init__") == set(), "importing gan_lessons itself imports none of its modules"
    assert set(layers) == set(graph), "every module of gan_lessons is named in one layer of the docstring"
    for module, deps in graph.items():
        above = sorted(d for d in deps if layers[d] > layers[module])
        assert not above, f"{module} (layer {layers[module]}) imports {above} from a layer above"


def test_the_pieces_stand_alone():
    layers, graph = layers_in_docstring(), dependencies()
    for module in ("data", "models"):
        assert all(layers[d] == 1 for d in graph[module]), f"{module} uses only words and checks"
    assert graph["training"] <= {"models", "data", "i18n", "validate"}, "training's maths use models and data only"


@pytest.mark.parametrize(("module", "target"), sorted(LOOKUPS_UP))
def test_the_one_lookup_up_a_layer_is_only_in_getattr(module, target):
    assert package_imports()[module][target] == {"__getattr__"}, f"{module} imports {target} only when asked"
    import importlib

    assert "Trainer" in importlib.import_module(f"gan_lessons.{module}").ENGINE_NAMES

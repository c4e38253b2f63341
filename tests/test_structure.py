"""The package's shape, checked by walking its source: layers without cycles, small modules,
no private name taken across modules, and a metric's kind examined only where kinds live."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "cxlab"
MAX_LINES = 500
#: the modules that may look at ``Metric.kind``: the kinds themselves and what declares them
#: (the data schema's ``Field.kind``, in cxlab.data, is another thing: a column's type)
KIND_MODULES = {"cxlab.stats.kinds", "cxlab.metric_defs"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, list[str], int]]:
    """Every cxlab import of a module (top level and inside functions): (target, names, line)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target == "cxlab" or target.startswith("cxlab."):
                names = [a.name for a in node.names]
                # `from . import x` where x is a submodule imports the submodule
                subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
                out += [(s, [], node.lineno) for s in subs]
                rest = [n for n in names if f"{target}.{n}" not in MODULES]
                if rest:
                    out.append((target, rest, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("cxlab")]
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _, _ in _imports(m):
            if target in MODULES and target != m and not (m.startswith(target + ".") and _is_package(target)):
                graph[m].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_there_is_no_import_cycle():
    assert _cycles(_graph()) == []


def test_no_private_name_is_imported_across_modules():
    found = [f"{m}:{line} takes {n} from {t}" for m in MODULES for t, names, line in _imports(m)
             for n in names if n.startswith("_") and not n.endswith("__")]
    assert found == []


def test_no_module_is_longer_than_500_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _examines_kind(tree: ast.AST) -> bool:
    def is_kind(node) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "kind"
                and not (isinstance(node.value, ast.Attribute) and node.value.attr == "dtype"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(is_kind(x) for x in [node.left, *node.comparators]):
            return True
        if isinstance(node, ast.Subscript) and is_kind(node.slice):
            return True
        if isinstance(node, ast.Call) and any(is_kind(a) for a in node.args) and \
                getattr(node.func, "attr", getattr(node.func, "id", "")) in ("get", "isinstance"):
            return True
    return False


def test_a_metric_kind_is_examined_only_where_kinds_live():
    examining = {m for m, p in MODULES.items() if not m.startswith("cxlab.data")
                 and _examines_kind(ast.parse(p.read_text(encoding="utf-8")))}
    assert examining <= KIND_MODULES, sorted(examining - KIND_MODULES)


@pytest.mark.parametrize("source, expected", [
    ("if m.kind == 'nps': pass", True),
    ("x = KINDS[m.kind]", True),
    ("if values.dtype.kind == 'f': pass", False),
    ("y = kind_of(m).estimate(st)", False),
])
def test_the_kind_walk_sees_what_it_should(source, expected):
    assert _examines_kind(ast.parse(source)) is expected


def test_the_walk_sees_cycles_and_private_imports():
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert "cxlab.stats.kinds" in MODULES and "cxlab.metrics" in MODULES
    assert any(t == "cxlab.stats.estimates" for t, _, _ in _imports("cxlab.metrics"))

"""No import cycles between the modules of workbench/ and widgets/.

The graph is read from the source (AST), so imports inside functions count: a
function-local import that breaks a cycle at run time still ties the modules
together, and is a sign they are cut in the wrong place.
"""

import ast
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("workbench", "widgets")


def _modules(root, packages):
    """Module name -> (path, is_package) for every .py file of the packages."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            modules[".".join(parts)] = (path, is_package)
    return modules


def _known(name, modules):
    """The longest prefix of the dotted ``name`` that is one of ``modules`` (or None)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_graph(root, packages=PACKAGES):
    """Module -> set of the modules it imports (anywhere in its source, function bodies too).

    ``from package import name`` points at ``package.name`` when that is a module,
    else at ``package``.
    """
    modules = _modules(root, packages)
    graph = {}
    for name, (path, is_package) in modules.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here[:len(here) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                found = _known(target, modules)
                if found is not None and found != name:
                    edges.add(found)
        graph[name] = edges
    return graph


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
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


def _describe(graph, component):
    members = set(component)
    return "; ".join(f"{module} -> {', '.join(sorted(graph[module] & members))}"
                     for module in component)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_has_no_import_cycles(package):
    graph = import_graph(REPO)
    found = [component for component in cycles(graph)
             if any(module.split(".")[0] == package for module in component)]
    assert not found, "import cycles: " + " | ".join(_describe(graph, c) for c in found)


#: The layers of workbench.simulation (docs/simulation.md): a module imports only from its
#: own layer or layers with smaller numbers.
SIMULATION_LAYERS = {
    "nodes": 1,
    "schedule": 2, "inputs": 2, "plan": 2,
    "executor": 3, "codegen": 3, "failures": 3, "reporting": 3,
    "numpy": 4, "numba": 4, "tensor": 4,
    "runner": 5,
}


def _simulation_layer(module):
    parts = module.split(".")
    if parts[:2] != ["workbench", "simulation"] or len(parts) == 2:
        return None
    return SIMULATION_LAYERS[parts[2]]


def test_the_graph_sees_every_module():
    graph = import_graph(REPO)
    on_disk = list((REPO / "workbench").rglob("*.py"))
    assert len([m for m in graph if m.startswith("workbench.")]) + 1 == len(on_disk)
    assert "workbench.simulation.nodes.base" in graph["workbench.simulation.schedule"]


def test_simulation_layers_import_only_downwards():
    graph = import_graph(REPO)
    upward = [f"{module} (layer {_simulation_layer(module)}) -> {target} "
              f"(layer {_simulation_layer(target)})"
              for module in graph if _simulation_layer(module) is not None
              for target in graph[module]
              if _simulation_layer(target) is not None and
              _simulation_layer(target) > _simulation_layer(module)]
    assert not upward, "imports from a higher layer: " + "; ".join(sorted(upward))


def test_a_function_local_import_cycle_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from .c import g\n    return g\n")
    (package / "c.py").write_text("import pkg.a\n")
    (package / "d.py").write_text("from .a import b\nfrom . import c\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.d"] == {"pkg.a", "pkg.c"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]

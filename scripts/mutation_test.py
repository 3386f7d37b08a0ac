"""Mutation testing of the numeric packages: how many small bugs do the tests catch?

A small AST mutator of our own: each mutant changes one thing in one module --

* ``compare``   flips a comparison (``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``,
  ``is`` <-> ``is not``, ``in`` <-> ``not in``);
* ``arith``     swaps an arithmetic operator (``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``,
  ``**`` -> ``*``, ``%`` -> ``*``) in an expression or an augmented assignment;
* ``constant``  moves an int literal by one (off by one) or scales a float literal by 1.01;
* ``slice``     moves a slice bound by one (``a[i:j]`` -> ``a[i:j + 1]``, ``a[i + 1:j]``);
* ``boolean``   swaps ``and`` / ``or``, drops a ``not``;
* ``statement`` replaces an assignment or a call statement by ``pass``.

Docstrings, ``__all__`` and string literals are never touched.

Caveat: mutants share one compiled-code cache (fast). Generated step modules
are cached by their source, so a mutant of the code *generator* whose output
text is unchanged but whose compiled result differs (e.g. which helper
functions get compiled) can be served the unmutated machine code and survive;
re-run such survivors with ``--fresh-cache`` (an empty cache per mutant). Every mutant is
written into a private copy of the repository (its own numba cache) and the
tests mapped to its module (``TESTS`` below: the module's own test files, not
the whole folder) run with ``-x``; the mutant is *killed* when they fail, error
or time out (3x the unmutated run, at least 240 s: a mutated module's kernels
recompile), and *survives* when they pass. Timeouts are counted apart. The report gives the kill rate per package with the sample size, and
lists the survivors (module:line, operator, the changed source line) so that
tests checking a real property can be written for them.

Usage (from the repository root; 2 cores: sample)::

    PYTHONPATH=. python scripts/mutation_test.py integrators connect analysis \\
        --sample 40 --seed 1 [--modules stability.py,roots.py] [--list] [--json out.json]
    PYTHONPATH=. python scripts/mutation_test.py --rerun out.json  # survivors and timeouts, again

A rerun needs the modules unchanged since the first run (sites are AST positions).
"""

import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module (relative to workbench/) -> the test files that exercise it
TESTS = {
    "integrators/tableaus.py": ["tests/integrators/test_tableaus.py", "tests/integrators/test_ode.py"],
    "integrators/codegen.py": ["tests/integrators/test_codegen.py", "tests/integrators/test_ode.py",
                               "tests/integrators/test_sde.py"],
    "integrators/ode.py": ["tests/integrators/test_ode.py", "tests/integrators/test_integrator.py"],
    "integrators/integrator.py": ["tests/integrators/test_integrator.py",
                                  "tests/integrators/test_ode.py"],
    "integrators/signature.py": ["tests/integrators/test_integrator.py",
                                 "tests/integrators/test_ode.py"],
    "integrators/kernels.py": ["tests/integrators/test_kernels.py"],
    "integrators/adaptive.py": ["tests/integrators/test_adaptive.py"],
    "integrators/exponential.py": ["tests/integrators/test_exponential.py"],
    "integrators/sde.py": ["tests/integrators/test_sde.py"],
    "integrators/sde_schemes.py": ["tests/integrators/test_sde.py"],
    "connect/base.py": ["tests/connect/test_structures.py", "tests/connect/test_errors.py"],
    "connect/checks.py": ["tests/connect/test_errors.py", "tests/connect/test_random.py"],
    "connect/csr.py": ["tests/connect/test_structures.py", "tests/connect/test_formatters.py"],
    "connect/formatters.py": ["tests/connect/test_formatters.py"],
    "connect/graphs.py": ["tests/connect/test_graphs.py"],
    "connect/random.py": ["tests/connect/test_random.py", "tests/connect/test_random_statistics.py",
                          "tests/connect/test_errors.py"],
    "connect/regular.py": ["tests/connect/test_regular.py", "tests/connect/test_structures.py"],
    "analysis/stability.py": ["tests/analysis/test_stability.py"],
    "analysis/equilibria.py": ["tests/analysis/test_numerics.py", "tests/analysis/test_phase_plane.py"],
    "analysis/roots.py": ["tests/analysis/test_numerics.py"],
    "analysis/contour.py": ["tests/analysis/test_numerics.py", "tests/analysis/test_phase_plane.py"],
    "analysis/phase_plane.py": ["tests/analysis/test_phase_plane.py"],
    "symbolic.py": ["tests/test_symbolic.py"],
}

# analysis/ modules other helpers are rewriting (continuation, cycles, codim-2): left out
# unless named with --modules.
DEFAULT_SKIP = {"analysis/continuation.py", "analysis/bifurcation.py", "analysis/results.py",
                "analysis/compiled.py", "analysis/fast_slow.py"}

_COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                 ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
                 ast.In: ast.NotIn, ast.NotIn: ast.In}
_ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
               ast.FloorDiv: ast.Div, ast.Pow: ast.Mult, ast.Mod: ast.Mult}


# ----------------------------------------------------------------------------- mutants
def _docstring_nodes(tree):
    """Expression statements that are docstrings (never mutated)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                skip.add(id(body[0]))
    return skip


def _skipped_subtrees(tree):
    """Nodes under docstrings and ``__all__`` assignments."""
    skip = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                               for t in node.targets):
            skip.add(id(node))
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            out.update(id(n) for n in ast.walk(node))
    return out


def mutation_sites(tree):
    """Every (node index in ast.walk order, operator, detail) this module offers."""
    skipped = _skipped_subtrees(tree)
    sites = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in _COMPARE_SWAP:
                    sites.append((index, "compare", k))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _ARITH_SWAP:
            sites.append((index, "arith", 0))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) \
                and not isinstance(node.value, bool):
            sites.append((index, "constant", 0))
        elif isinstance(node, ast.Slice):
            if node.upper is not None:
                sites.append((index, "slice", "upper"))
            if node.lower is not None:
                sites.append((index, "slice", "lower"))
        elif isinstance(node, ast.BoolOp):
            sites.append((index, "boolean", "swap"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((index, "boolean", "not"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            sites.append((index, "statement", 0))
    return sites


class _Replace(ast.NodeTransformer):
    """Replace the node with a given id (statements by ``pass``, expressions in place)."""

    def __init__(self, target, replacement):
        self.target, self.replacement = target, replacement

    def generic_visit(self, node):
        if id(node) == self.target:
            return self.replacement
        return super().generic_visit(node)


def apply_mutation(tree, site):
    """A mutated copy of ``tree`` and the line number of the change."""
    tree = copy.deepcopy(tree)
    index, operator, detail = site
    node = list(ast.walk(tree))[index]
    line = getattr(node, "lineno", 0)
    if operator == "compare":
        node.ops[detail] = _COMPARE_SWAP[type(node.ops[detail])]()
    elif operator == "arith":
        node.op = _ARITH_SWAP[type(node.op)]()
    elif operator == "constant":
        value = node.value
        node.value = (value + 1 if value <= 0 else value - 1) if isinstance(value, int) \
            else (value * 1.01 if value != 0 else 1e-3)
    elif operator == "slice":
        bound = getattr(node, detail)
        setattr(node, detail, ast.BinOp(left=bound, op=ast.Add(), right=ast.Constant(1)))
    elif operator == "boolean":
        if detail == "swap":
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        else:
            tree = _Replace(id(node), node.operand).visit(tree)
    elif operator == "statement":
        tree = _Replace(id(node), ast.Pass()).visit(tree)
    return ast.fix_missing_locations(tree), line


# ----------------------------------------------------------------------------- running
def _run_tests(copy_root, tests, timeout, cache_dir=None):
    env = dict(os.environ, PYTHONPATH=str(copy_root), MPLBACKEND="Agg",
               WORKBENCH_CACHE_DIR=str(cache_dir or copy_root / ".numba_cache"))
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                               "-W", "ignore", *tests], cwd=copy_root, env=env,
                              capture_output=True, text=True, timeout=timeout)
        outcome = "passed" if done.returncode == 0 else (
            "no tests" if done.returncode == 5 else "failed")
    except subprocess.TimeoutExpired:
        outcome = "timeout"
    return outcome, time.perf_counter() - start


def _make_copy():
    folder = Path(tempfile.mkdtemp(prefix="wb-mutants-"))
    for name in ("workbench", "widgets", "tests", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name,
                            ignore=shutil.ignore_patterns("__pycache__", ".numba_cache"))
        else:
            shutil.copy2(source, folder / name)
    return folder


def select_modules(packages, only):
    chosen = []
    for module in TESTS:
        package = module.split("/")[0] if "/" in module else "symbolic"
        name = module.split("/")[-1]
        if only and name not in only and module not in only:
            continue
        if not only and module in DEFAULT_SKIP:
            continue
        if package in packages or (package == "symbolic" and "analysis" in packages):
            chosen.append(module)
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=["integrators", "connect", "analysis"])
    parser.add_argument("--sample", type=int, default=40,
                        help="mutants per package, drawn at random (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modules", default="", help="comma-separated module file names")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", help="write every mutant's outcome to this file")
    parser.add_argument("--rerun", help="run again the survivors (and timeouts) of this --json file")
    parser.add_argument("--fresh-cache", action="store_true",
                        help="an empty compiled-code cache per mutant (slow; see the note above)")
    args = parser.parse_args(argv)
    only = {m for m in args.modules.split(",") if m}
    modules = select_modules(args.packages, only)
    rng = random.Random(args.seed)

    trees = {m: ast.parse((ROOT / "workbench" / m).read_text()) for m in modules}
    by_package = {}
    for module in modules:
        package = module.split("/")[0] if "/" in module else "analysis"
        for site in mutation_sites(trees[module]):
            by_package.setdefault(package, []).append((module, site))
    plan = []
    if args.rerun:
        previous = json.loads(Path(args.rerun).read_text())
        by_package = {}
        for row in previous:
            if row["killed"] and row["outcome"] != "timeout":
                continue
            module = row["module"]
            trees.setdefault(module, ast.parse((ROOT / "workbench" / module).read_text()))
            if "site" in row:
                sites = [tuple(row["site"])]
            else:           # older reports: every site with the same line and operator
                sites = [site for site in mutation_sites(trees[module])
                         if site[1] == row["operator"] and str(site[2]) == row["detail"]
                         and apply_mutation(trees[module], site)[1] == row["line"]]
            by_package.setdefault(row["package"], []).extend((module, site) for site in sites)
        args.sample = 0
    for package, mutants in sorted(by_package.items()):
        chosen = mutants if args.sample <= 0 or args.sample >= len(mutants) \
            else rng.sample(mutants, args.sample)
        plan += [(package, module, site) for module, site in sorted(chosen, key=str)]
        print(f"{package}: {len(mutants)} mutants in {len({m for m, _ in mutants})} modules, "
              f"running {len(chosen)}")
    if args.list:
        for package, module, site in plan:
            _, line = apply_mutation(trees[module], site)
            print(f"  {module}:{line} {site[1]} {site[2]}")
        return 0

    copy_root = _make_copy()
    results = []
    try:
        baseline = {}
        for module in sorted({m for _, m, _ in plan}):
            outcome, seconds = _run_tests(copy_root, TESTS[module], timeout=1800)
            if outcome != "passed":
                raise SystemExit(f"the unmutated tests of {module} do not pass ({outcome})")
            baseline[module] = seconds
            print(f"baseline {module}: {seconds:.0f} s")
        for number, (package, module, site) in enumerate(plan, 1):
            target = copy_root / "workbench" / module
            original = target.read_text()
            mutated, line = apply_mutation(trees[module], site)
            source_line = original.splitlines()[line - 1].strip() if line else ""
            target.write_text(ast.unparse(mutated) + "\n")
            fresh = Path(tempfile.mkdtemp(prefix="wb-mutant-cache-")) if args.fresh_cache else None
            try:
                outcome, seconds = _run_tests(copy_root, TESTS[module],
                                              timeout=max(240.0, 3 * baseline[module]), cache_dir=fresh)
            finally:
                target.write_text(original)
                if fresh is not None:
                    shutil.rmtree(fresh, ignore_errors=True)
            killed = outcome != "passed"
            results.append({"package": package, "module": module, "line": line,
                            "operator": site[1], "detail": str(site[2]), "site": list(site),
                            "source": source_line,
                            "outcome": outcome, "killed": killed, "seconds": round(seconds, 1)})
            print(f"[{number}/{len(plan)}] {'killed  ' if killed else 'SURVIVED'} {module}:{line} "
                  f"{site[1]}/{site[2]} ({outcome}, {seconds:.0f} s)  {source_line[:70]}", flush=True)
    finally:
        shutil.rmtree(copy_root, ignore_errors=True)

    print(f"\n{'package':<12} {'mutants':>7} {'killed':>6} {'(timeout)':>9} {'kill rate':>9}")
    for package in sorted({r["package"] for r in results}):
        rows = [r for r in results if r["package"] == package]
        killed = sum(r["killed"] for r in rows)
        timeouts = sum(r["outcome"] == "timeout" for r in rows)
        print(f"{package:<12} {len(rows):>7} {killed:>6} {timeouts:>9} "
              f"{100.0 * killed / len(rows):>8.0f}%")
    survivors = [r for r in results if not r["killed"]]
    if survivors:
        print("\nsurvivors:")
        for r in survivors:
            print(f"  {r['module']}:{r['line']} {r['operator']}/{r['detail']}  {r['source'][:80]}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

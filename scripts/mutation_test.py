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

Sampling. The mutants of each package are listed in a fixed order (module,
then AST position) and ``--sample`` of them are drawn with
``random.Random(--seed)``: the same seed over unchanged modules gives the same
mutants, so a run after new tests are added measures the same sample.
Mutants recorded in ``EQUIVALENT`` below (they cannot change any result; each
with the reason) are dropped from the sample after drawing it, so the sample
does not move when the list grows; the report counts them apart, and the kill
rate is over the mutants run.

Running. Every mutant is written into a private copy of the repository and
only the tests mapped to its module run (``TESTS`` below: the module's own test
files, not the whole folder), with ``-x``. The whole run is ``nice``'d to 19
and holds a lock file, so two mutation runs never share the two cores.

Outcomes and how they are counted:

* ``killed``    the tests fail or error;
* ``survived``  the tests pass;
* ``loop``      a confirmed hang: the tests did not finish in 3x the unmutated
  time (at least 120 s; the unmutated time includes compiling every kernel,
  as a mutant does); the test that was running then ran again alone, with
  its compiled code now cached, for max(60 s, 10x its unmutated time,
  compilation included) and was still running that test, and both
  times a stack dump (faulthandler) showed it executing, not inside numba's
  compiler. A loop counts as a kill: the suite's own per-test timeout
  (pytest-timeout) fails such a test;
* ``timeout``   a timeout that is not a confirmed loop (the second run
  finished and passed, or it was compiling). It does NOT count as a kill; the
  report lists it apart with the test and the stack position.

Kill rate = (killed + loop) / mutants run. A timed-out second run that fails
is a kill (``killed``).

Compiled code. Mutants share one compiled-code cache (fast): numba
recompiles a kernel when its own file changes. Two cases it cannot see get an
empty cache per mutant: a module that defines ``@overload`` helpers (they are
inlined into the callers' cached machine code, e.g. the tests' ``@jit``
functions, which would keep running the unmutated helper), always; and, with
``--fresh-cache``, every mutant -- for a mutant of the code *generator* whose
output text is unchanged but whose compiled result differs (generated step
modules are cached by their source).

Usage (from the repository root; 2 cores: sample, run in the background)::

    PYTHONPATH=. python scripts/mutation_test.py integrators connect analysis \\
        --sample 40 --seed 1 [--modules stability.py,roots.py] [--list] [--json out.json]
    PYTHONPATH=. python scripts/mutation_test.py --rerun out.json  # survivors and timeouts, again

A rerun finds each mutant by its AST position, or by its key when the module was edited
elsewhere since the first run; a mutant whose line itself changed is reported as gone.
"""

import argparse
import ast
import copy
import fcntl
import json
import os
import random
import shutil
import signal
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
                                  "tests/integrators/test_ode.py",
                                  "tests/integrators/test_return_count.py",
                                  "tests/integrators/test_dt_follows_backend.py"],
    "integrators/signature.py": ["tests/integrators/test_integrator.py",
                                 "tests/integrators/test_ode.py"],
    "integrators/kernels.py": ["tests/integrators/test_kernels.py"],
    "integrators/adaptive.py": ["tests/integrators/test_adaptive.py"],
    "integrators/exponential.py": ["tests/integrators/test_exponential.py"],
    "integrators/sde.py": ["tests/integrators/test_sde.py"],
    "integrators/sde_schemes.py": ["tests/integrators/test_sde.py"],
    # every connect module: the whole folder (about 40 s); error messages, structures and
    # statistics of one connector live in different files
    "connect/base.py": ["tests/connect"],
    "connect/checks.py": ["tests/connect"],
    "connect/csr.py": ["tests/connect"],
    "connect/formatters.py": ["tests/connect"],
    "connect/graphs.py": ["tests/connect"],
    "connect/random.py": ["tests/connect"],
    "connect/regular.py": ["tests/connect"],
    "analysis/stability.py": ["tests/analysis/test_stability_names.py", "tests/analysis/test_stability.py"],
    "analysis/equilibria.py": ["tests/analysis/test_equilibria_in_range.py", "tests/analysis/test_equilibria_cells.py",
                               "tests/analysis/test_equilibria_singular.py",
                               "tests/analysis/test_equilibrium_lines.py",
                               "tests/analysis/test_numerics.py",
                               "tests/analysis/test_equilibria_edges.py", "tests/analysis/test_phase_plane.py"],
    "analysis/roots.py": ["tests/analysis/test_roots_double.py", "tests/analysis/test_numerics.py"],
    "analysis/contour.py": ["tests/analysis/test_contour.py", "tests/analysis/test_numerics.py",
                            "tests/analysis/test_phase_plane.py"],
    "analysis/phase_plane.py": ["tests/analysis/test_phase_plane_gaps.py", "tests/analysis/test_phase_plane.py"],
    "analysis/model.py": ["tests/analysis/test_model.py", "tests/analysis/test_phase_plane.py"],
    "analysis/system.py": ["tests/analysis/test_system_kernels.py", "tests/analysis/test_equilibria_singular.py", "tests/analysis/test_model.py", "tests/analysis/test_equilibria_edges.py",
                           "tests/analysis/test_phase_plane.py"],
    # continuation, codim 2, normal forms and periodic orbits: their own tests and the diagrams'
    "analysis/continuation.py": ["tests/analysis/test_continuation.py", "tests/analysis/test_bifurcation.py"],
    "analysis/codim2.py": ["tests/analysis/test_codim2.py", "tests/analysis/test_bifurcation.py"],
    "analysis/normal_form.py": ["tests/analysis/test_normal_form.py", "tests/analysis/test_codim2.py"],
    **{f"analysis/cycles/{name}.py": ["tests/analysis/cycles"]
       for name in ("branches", "collocation", "diagram", "floquet", "mesh", "problem", "seeds",
                    "special", "tracer")},
    "symbolic.py": ["tests/test_symbolic.py"],
}

# analysis/ modules other helpers are rewriting (continuation, cycles, codim-2): left out
# unless named with --modules.
DEFAULT_SKIP = {"analysis/continuation.py", "analysis/bifurcation.py", "analysis/results.py",
                "analysis/compiled.py", "analysis/fast_slow.py"}

# Mutants that cannot change any result, by ``mutant_key`` (see ``--list``), each with the
# reason; they are left out of the population before sampling and counted apart.
_SCAN_OR_SORT = ("whether a row's picks are read off by scanning the marks or by sorting them is a "
                 "speed choice: both give the same sorted row from the same random draws")
_SUBSET_OR_COMPLEMENT = ("whether Floyd's algorithm draws the row's k columns or the n - k it leaves out "
                         "is a speed choice: both give a uniform k-subset (a different, equally "
                         "distributed graph for a given seed), so no property of the result can differ")
_EXPREL = ("`zero` is 1 only where z == 0, where expm1(z) = 0: 0 / (z + 1) and 0 / (z - 1) are both "
           "(signed) zeros and adding `zero` gives exactly 1 either way")
EQUIVALENT = {
    "connect/random.py:_sample_rows_kernel:scan = complement or n < 64 * k :: 64 -> 63": _SCAN_OR_SORT,
    "connect/random.py:_sample_rows_kernel:scan = complement or n < 64 * k :: 64 * k -> 64 / k":
        _SCAN_OR_SORT,
    "connect/random.py:_sample_rows_kernel:scan = complement or n < 64 * k :: n < 64 * k -> n <= 64 * k":
        _SCAN_OR_SORT,
    "connect/random.py:_sample_rows_kernel:scan = complement or n < 64 * k :: "
    "complement or n < 64 * k -> complement and n < 64 * k": _SCAN_OR_SORT + " (complement implies n < 64 k)",
    "integrators/kernels.py:exprel:return np.expm1(z) / (z + zero) + zero :: z + zero -> z - zero": _EXPREL,
    "integrators/kernels.py:exprel:return _ops.expm1(z) / (z + zero) + zero :: z + zero -> z - zero": _EXPREL,
    "integrators/kernels.py:_exprel_numba.relative:return np.expm1(z) / (z + zero) + zero :: "
    "z + zero -> z - zero": _EXPREL,
    "connect/base.py:Connector.__init__:self._drop_derived() :: self._drop_derived() -> pass":
        "the structure cache is created empty on first use (`_cache` uses setdefault) and emptied by "
        "every call and source change, so emptying it in __init__ too cannot be observed",
    "integrators/tableaus.py:ButcherTableau.needed_stages:needed.add(0) :: needed.add(0) -> pass":
        "for every registered tableau (with and without the error weights) stage 0 is already needed "
        "through b or A, so adding it again changes nothing; only a tableau that ignores f(x_n) would differ",
    "analysis/model.py:DerivativeSource.rebound:names = tuple(names) :: names = tuple(names) -> pass":
        "every caller passes a tuple already (model.py and simulate.py build `own` with tuple(...))",
    "connect/random.py:_sample_rows_kernel:complement = 2 * k > n :: 2 -> 1": _SUBSET_OR_COMPLEMENT,
    "analysis/stability.py:stability_analysis:if jac.ndim != 2 or jac.shape[0] != jac.shape[1] or jac.shape[0] not "
    "in (1, 2, 3): :: jac.shape[0] not in (1, 2, 3) -> jac.shape[1] not in (1, 2, 3)":
        "the condition before it (short-circuit `or`) already refuses non-square matrices, so "
        "shape[0] == shape[1] whenever this part is evaluated",
    "connect/random.py:_sample_rows_kernel:complement = 2 * k > n :: 2 * k > n -> 2 * k >= n":
        _SUBSET_OR_COMPLEMENT,
    "analysis/continuation.py:Continuation.__init__:max_steps=3000, margin=0.02, names=None, "
    "func_many=None, func_jac=None): :: 3000 -> 2999":
        "a safety budget, not a numerical setting: a curve reaches the box's edge, closes or stops in "
        "Newton long before (at ds_max = 0.03 of the box, 3000 steps are 90 box lengths); only a "
        "curve built to need exactly 3000 steps would tell, and such a test restates the constant",
    "analysis/cycles/tracer.py:CycleTracer.trace:if state.period > self.period_limit * smallest_period: "
    ":: state.period > self.period_limit * smallest_period -> "
    "state.period >= self.period_limit * smallest_period":
        "> and >= differ only when a computed period is exactly period_limit times the smallest one; "
        "period_limit is 40 everywhere (not a user option: Bifurcation passes only the intervals), "
        "and two Newton-corrected periods in that exact ratio do not occur (a limit of 1, where "
        "every step would tie with the running minimum, is never used)",
}

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


def _moved_constant(value):
    """An int moved by one (n -> n - 1, and 0 or a negative n -> n + 1); a non-zero float x 1.01, 0.0 -> 1e-3."""
    if isinstance(value, int):
        return value + 1 if value <= 0 else value - 1
    return value * 1.01 if value != 0 else 1e-3


_WALKS = {}


def _nodes(tree):
    """``list(ast.walk(tree))``, computed once per tree (sites are indices into it)."""
    if id(tree) not in _WALKS:
        _WALKS[id(tree)] = (tree, list(ast.walk(tree)))
    return _WALKS[id(tree)][1]


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
        node.value = _moved_constant(node.value)
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


_SCOPES = {}


def _scope_of(tree, node):
    """Qualified name of the function or class around ``node`` (``<module>`` at top level)."""
    if id(tree) not in _SCOPES:
        scopes = {}

        def visit(parent, name):
            for child in ast.iter_child_nodes(parent):
                inner = name
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    inner = child.name if name == "<module>" else f"{name}.{child.name}"
                scopes[id(child)] = inner
                parents[id(child)] = parent
                visit(child, inner)
        parents = {}
        visit(tree, "<module>")
        _SCOPES[id(tree)] = (tree, scopes, parents)     # the tree is kept alive, so ids stay unique
    return _SCOPES[id(tree)][1].get(id(node), "<module>")


def _parent_of(tree, node):
    _scope_of(tree, node)
    return _SCOPES[id(tree)][2].get(id(node))


def mutant_key(module, tree, site, source_lines):
    """A readable key naming one mutant independently of AST positions (for ``EQUIVALENT``).

    ``module:scope:line text :: before -> after``, where scope is the enclosing
    function or class and before/after the mutated node's source; identical
    mutations of the same text in one scope share a key.
    """
    index, operator, detail = site
    node = _nodes(tree)[index]
    line = getattr(node, "lineno", 0)
    text = source_lines[line - 1].strip() if line else ""
    if operator == "statement":
        after = ast.Pass()
    elif operator == "boolean" and detail == "not":
        after = node.operand
    else:       # the same change as apply_mutation, on a copy of the node alone (fast)
        after = copy.deepcopy(node)
        if operator == "compare":
            after.ops[detail] = _COMPARE_SWAP[type(node.ops[detail])]()
        elif operator == "arith":
            after.op = _ARITH_SWAP[type(node.op)]()
        elif operator == "constant":
            after.value = _moved_constant(node.value)
            # a number alone is ambiguous on a line: show the smallest expression around it
            # that occurs once in its statement
            statement = node
            while statement is not None and not isinstance(statement, ast.stmt):
                statement = _parent_of(tree, statement)
            whole = ast.unparse(statement) if statement is not None else ""
            shown = node
            while whole.count(ast.unparse(shown)) > 1 and isinstance(_parent_of(tree, shown), ast.expr):
                shown = _parent_of(tree, shown)
            if shown is not node:
                position = [id(n) for n in ast.walk(shown)].index(id(node))
                value, after = after.value, copy.deepcopy(shown)
                list(ast.walk(after))[position].value = value
                node = shown
        elif operator == "slice":
            setattr(after, detail, ast.BinOp(left=getattr(after, detail), op=ast.Add(), right=ast.Constant(1)))
        else:
            after.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    return f"{module}:{_scope_of(tree, node)}:{text} :: {ast.unparse(node)} -> {ast.unparse(after)}"


# ----------------------------------------------------------------------------- running
# A pytest plugin written into the private copy: it logs when each test starts
# and ends (to measure per-test times and to know which test hung) and dumps
# every thread's stack on SIGUSR1 (to tell a hang in compiled code from a slow
# compilation).
_PLUGIN = '''
import faulthandler, os, signal, time
_LOG = os.environ["WB_MUTATION_LOG"]
_STACK = open(_LOG + ".stack", "w")
faulthandler.register(signal.SIGUSR1, file=_STACK, all_threads=True)

def _write(kind, nodeid):
    with open(_LOG, "a") as out:
        out.write(f"{kind} {time.time():.3f} {nodeid}\\n")

def pytest_runtest_logstart(nodeid, location):
    _write("start", nodeid)

def pytest_runtest_logfinish(nodeid, location):
    _write("end", nodeid)
'''
_PLUGIN_NAME = "_wb_mutation_progress"


class _Run:
    """One pytest run: outcome, seconds, per-test seconds, the test running at a timeout."""

    def __init__(self, outcome, seconds, durations, running, stack):
        self.outcome, self.seconds, self.durations = outcome, seconds, durations
        self.running, self.stack = running, stack

    @property
    def compiling(self):
        """Whether the stack dump at the timeout was inside numba/llvmlite (compiling)."""
        return _innermost_frame(self.stack)[1]


def _innermost_frame(stack):
    """(``file:line in function`` of the main thread's innermost frame, in a compiler?)."""
    lines = stack.splitlines()
    # faulthandler prints the current (main) thread last with "Current thread"; frames most recent first
    blocks, block = [], []
    for line in lines:
        if line.startswith(("Thread 0x", "Current thread 0x")):
            block = [line]
            blocks.append(block)
        elif block:
            block.append(line.strip())
    main = next((b for b in blocks if b[0].startswith("Current thread")), blocks[-1] if blocks else [])
    frames = [f for f in main[1:] if f.startswith("File ")]
    if not frames:
        return "", False
    compiling = any(part in frames[0] for part in ("/numba/", "/llvmlite/"))
    return frames[0], compiling


def _read_log(log):
    """Per-test durations and the test started but not ended, from the plugin's log."""
    durations, open_tests = {}, {}
    if log.exists():
        for line in log.read_text().splitlines():
            kind, stamp, nodeid = line.split(" ", 2)
            if kind == "start":
                open_tests[nodeid] = float(stamp)
            elif nodeid in open_tests:
                durations[nodeid] = float(stamp) - open_tests.pop(nodeid)
    running = next(iter(open_tests), None)
    return durations, running


def _run_tests(copy_root, tests, timeout, cache_dir=None):
    log = Path(tempfile.mkstemp(prefix="wb-mutation-log-")[1])
    log.write_text("")
    env = dict(os.environ, PYTHONPATH=str(copy_root), MPLBACKEND="Agg", WB_MUTATION_LOG=str(log),
               WORKBENCH_CACHE_DIR=str(cache_dir or copy_root / ".numba_cache"))
    if cache_dir is not None:
        # numba caches plain @jit functions (the library's and the tests') beside their source,
        # in __pycache__, keyed by that file alone: an empty cache has to cover them too
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                "-p", _PLUGIN_NAME, "-W", "ignore", *tests], cwd=copy_root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    stack, stack_file = "", Path(str(log) + ".stack")
    try:
        code = process.wait(timeout=timeout)
        outcome = "passed" if code == 0 else ("no tests" if code == 5 else "failed")
    except BaseException as exc:
        if not isinstance(exc, subprocess.TimeoutExpired):      # interrupted: leave nothing running
            os.killpg(process.pid, signal.SIGKILL)
            raise
        outcome = "timeout"
        process.send_signal(signal.SIGUSR1)
        for _ in range(30):             # the dump is written within milliseconds; 3 s at most
            time.sleep(0.1)
            if stack_file.exists() and stack_file.stat().st_size > 0:
                time.sleep(0.2)
                break
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    seconds = time.perf_counter() - start
    durations, running = _read_log(log)
    if stack_file.exists():
        stack = stack_file.read_text()
        stack_file.unlink()
    log.unlink()
    return _Run(outcome, seconds, durations, running, stack)


def _make_copy():
    folder = Path(tempfile.mkdtemp(prefix="wb-mutants-"))
    for name in ("workbench", "widgets", "tests", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name,
                            ignore=shutil.ignore_patterns("__pycache__", ".numba_cache"))
        else:
            shutil.copy2(source, folder / name)
    (folder / f"{_PLUGIN_NAME}.py").write_text(_PLUGIN)
    return folder


def _judge(copy_root, module, budget, test_times, cache_dir):
    """Run a mutant's tests; returns (outcome, seconds, note) with outcome as in the module docstring."""
    run = _run_tests(copy_root, TESTS[module], timeout=budget, cache_dir=cache_dir)
    if run.outcome != "timeout":
        return ("survived" if run.outcome == "passed" else "killed"), run.seconds, ""
    where, compiling = _innermost_frame(run.stack)
    note = f"{run.running} at {where}"
    if run.running is None:
        return "timeout", run.seconds, f"no test running ({where})"
    # again, the hung test alone: its compiled code is cached by now unless compilation hung
    alone_budget = max(60.0, 10.0 * test_times.get(run.running, 0.0))
    again = _run_tests(copy_root, [run.running], timeout=alone_budget, cache_dir=cache_dir)
    seconds = run.seconds + again.seconds
    if again.outcome == "failed":
        return "killed", seconds, note + " (failed when run alone)"
    if again.outcome == "timeout" and again.running == run.running and not compiling \
            and not again.compiling:
        return "loop", seconds, f"{note}; alone: > {alone_budget:.0f} s at {_innermost_frame(again.stack)[0]}"
    return "timeout", seconds, note + f" (alone: {again.outcome}, {again.seconds:.0f} s)"


def _defines_overloads(source):
    """Whether a module defines numba ``@overload`` helpers (inlined into other files' machine code)."""
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "overload"
               for node in ast.walk(ast.parse(source)))


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


def _lock():
    """Hold an exclusive lock for the whole run: one mutation run at a time on this machine."""
    handle = open(Path(tempfile.gettempdir()) / "workbench-mutation-test.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit("another mutation run holds the lock "
                         f"({handle.name}); wait for it to finish") from None
    return handle


def report_table(results, equivalent_counts):
    """The per-package table (mutants run, killed, loops, survived, timeouts, kill rate)."""
    lines = [f"{'package':<12} {'mutants':>7} {'killed':>6} {'loop':>4} {'survived':>8} "
             f"{'timeout':>7} {'kill rate':>9} {'equivalent':>10}"]
    for package in sorted({r["package"] for r in results}):
        rows = [r for r in results if r["package"] == package]
        count = {k: sum(r["outcome"] == k for r in rows) for k in ("killed", "loop", "survived", "timeout")}
        rate = 100.0 * (count["killed"] + count["loop"]) / len(rows)
        lines.append(f"{package:<12} {len(rows):>7} {count['killed']:>6} {count['loop']:>4} "
                     f"{count['survived']:>8} {count['timeout']:>7} {rate:>8.0f}% "
                     f"{equivalent_counts.get(package, 0):>10}")
    return "\n".join(lines)


def _site_of(module, tree, source_lines, row):
    """The site of a recorded mutant in the module as it is now: its recorded AST position
    when the key there is unchanged, else the first site with the same key (the module was
    edited above it); None when the mutated line itself changed."""
    site = tuple(row["site"])
    try:
        if mutant_key(module, tree, site, source_lines) == row["key"]:
            return site
    except (AttributeError, IndexError, KeyError, TypeError):
        pass
    for candidate in mutation_sites(tree):
        if mutant_key(module, tree, tuple(candidate), source_lines) == row["key"]:
            return tuple(candidate)
    return None


def _population(modules, trees):
    """Package -> [(module, site)] in a fixed order (equivalent mutants included)."""
    by_package = {}
    for module in modules:
        package = module.split("/")[0] if "/" in module else "analysis"
        by_package.setdefault(package, []).extend((module, site) for site in mutation_sites(trees[module]))
    return by_package


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

    sources = {m: (ROOT / "workbench" / m).read_text().splitlines() for m in modules}
    trees = {m: ast.parse("\n".join(sources[m])) for m in modules}
    by_package = _population(modules, trees)
    plan = []
    if args.rerun:
        previous = json.loads(Path(args.rerun).read_text())
        by_package = {}
        for row in previous:
            if row["outcome"] in ("killed", "loop", "failed"):
                continue
            module = row["module"]
            sources.setdefault(module, (ROOT / "workbench" / module).read_text().splitlines())
            trees.setdefault(module, ast.parse("\n".join(sources[module])))
            site = _site_of(module, trees[module], sources[module], row)
            if site is None:
                print(f"gone (its line changed since the run): {row['key']}")
                continue
            by_package.setdefault(row["package"], []).append((module, site))
        args.sample = 0
    equivalent = {}
    for package, mutants in sorted(by_package.items()):
        chosen = mutants if args.sample <= 0 or args.sample >= len(mutants) \
            else rng.sample(mutants, args.sample)
        # equivalent mutants are dropped after sampling, so the sample stays the same when the
        # list grows; they are counted apart, never as kills
        run = [(m, site) for m, site in chosen if mutant_key(m, trees[m], site, sources[m]) not in EQUIVALENT]
        equivalent[package] = len(chosen) - len(run)
        plan += [(package, module, site) for module, site in sorted(run, key=str)]
        print(f"{package}: {len(mutants)} mutants in {len({m for m, _ in mutants})} modules, sampled "
              f"{len(chosen)}, {equivalent[package]} of them equivalent (not run), running {len(run)}")
    if args.list:
        for package, module, site in plan:
            print(f"  {mutant_key(module, trees[module], site, sources[module])}")
        return 0

    os.nice(19)
    # `kill <pid>` ends the run like Ctrl-C: the private copy is removed, no test is left running
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    lock = _lock()
    copy_root = _make_copy()
    results = []
    try:
        baseline, test_times = {}, {}
        for module in sorted({m for _, m, _ in plan}):
            run = _run_tests(copy_root, TESTS[module], timeout=1800)
            if run.outcome != "passed":
                raise SystemExit(f"the unmutated tests of {module} do not pass ({run.outcome})")
            baseline[module] = run.seconds
            test_times.update(run.durations)
            print(f"baseline {module}: {run.seconds:.0f} s")
        for number, (package, module, site) in enumerate(plan, 1):
            target = copy_root / "workbench" / module
            original = target.read_text()
            mutated, line = apply_mutation(trees[module], site)
            key = mutant_key(module, trees[module], site, sources[module])
            target.write_text(ast.unparse(mutated) + "\n")
            fresh = Path(tempfile.mkdtemp(prefix="wb-mutant-cache-")) \
                if args.fresh_cache or _defines_overloads(original) else None
            try:
                outcome, seconds, note = _judge(copy_root, module, max(120.0, 3 * baseline[module]),
                                                test_times, fresh)
            finally:
                target.write_text(original)
                if fresh is not None:
                    shutil.rmtree(fresh, ignore_errors=True)
            results.append({"package": package, "module": module, "line": line,
                            "operator": site[1], "detail": str(site[2]), "site": list(site),
                            "key": key, "outcome": outcome,
                            "killed": outcome in ("killed", "loop"), "note": note,
                            "seconds": round(seconds, 1)})
            print(f"[{number}/{len(plan)}] {outcome:<8} ({seconds:.0f} s) {key[:150]} {note}", flush=True)
    finally:
        shutil.rmtree(copy_root, ignore_errors=True)
        lock.close()

    print("\n" + report_table(results, equivalent))
    for kind in ("survived", "timeout", "loop"):
        rows = [r for r in results if r["outcome"] == kind]
        if rows:
            print(f"\n{kind}:")
            for r in rows:
                print(f"  line {r['line']}: {r['key']}" + (f"\n      {r['note']}" if r["note"] else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

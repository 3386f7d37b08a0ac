"""Connectivity build times and peak memory, against plain numpy, networkx and BrainPy 1.0.3.

Every case runs in its own subprocess so that its peak resident memory
(``resource.getrusage(...).ru_maxrss``) is its own. Compiled kernels are warmed
up on a tiny connection first (numba's disk cache makes this a load, not a
compilation), so the times are those of building.

Cases
-----
* FixedProb(0.02) between two 40,000-neuron groups (32 M synapses), building
  ``pre_ids``, ``post_ids`` and ``pre_slice``: workbench's two methods against
  a plain numpy baseline (a dense uniform block of rows at a time, thresholded,
  ``np.nonzero``), which is what one writes without this package.
* The same at 4,000 x 4,000 against BrainPy 1.0.3 (``BRAINPY_PYTHON``,
  default ``/work/venvs/brainpy103/bin/python``), if installed.
* The graph models at a moderate size against networkx's generators plus the
  conversion to a scipy CSR matrix (the product the connector provides).

Usage::

    PYTHONPATH=. python benchmarks/connect.py [--size 40000] [--graph-size 20000]
"""

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BRAINPY_PYTHON = os.environ.get("BRAINPY_PYTHON", "/work/venvs/brainpy103/bin/python")
GIB = 2.0 ** 30


def _peak_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


# ---------------------------------------------------------------- children
def fixed_prob_workbench(size, method):
    import workbench as bp
    bp.connect.FixedProb(0.02, seed=0, method=method)(50, 50).requires("pre_ids", "post_ids", "pre_slice")
    start = time.perf_counter()
    conn = bp.connect.FixedProb(0.02, seed=1, method=method)(size, size)
    built = conn.requires("pre_ids", "post_ids", "pre_slice")
    return time.perf_counter() - start, int(built[0].shape[0])


def fixed_prob_numpy(size):
    import numpy as np
    start = time.perf_counter()
    rng = np.random.default_rng(1)
    block = max(1, (1 << 25) // size)          # about 256 MB of uniforms per block
    pres, posts = [], []
    for first in range(0, size, block):
        rows, cols = np.nonzero(rng.random((min(block, size - first), size)) < 0.02)
        pres.append((rows + first).astype(np.int32))
        posts.append(cols.astype(np.int32))
    pre_ids, post_ids = np.concatenate(pres), np.concatenate(posts)
    del pres, posts
    indptr = np.zeros(size + 1, np.int64)
    np.cumsum(np.bincount(pre_ids, minlength=size), out=indptr[1:])
    built = pre_ids, post_ids, np.stack([indptr[:-1], indptr[1:]], axis=1)
    return time.perf_counter() - start, int(built[0].shape[0])


def fixed_prob_brainpy(size):
    import numpy as np
    import brainpy as bp
    bp.connect.FixedProb(0.02, seed=0)(50, 50).requires("pre_ids", "post_ids", "pre_slice")
    start = time.perf_counter()
    conn = bp.connect.FixedProb(0.02, seed=1)(size, size)
    pre_ids, post_ids, pre_slice = conn.requires("pre_ids", "post_ids", "pre_slice")
    return time.perf_counter() - start, int(np.size(pre_ids))


GRAPHS = {
    "SmallWorld(10, 0.1)": ("SmallWorld", (10, 0.1), "watts_strogatz_graph", (10, 0.1)),
    "ScaleFreeBA(5)": ("ScaleFreeBA", (5,), "barabasi_albert_graph", (5,)),
    "ScaleFreeBADual(3, 5, 0.5)": ("ScaleFreeBADual", (3, 5, 0.5), "dual_barabasi_albert_graph", (3, 5, 0.5)),
    "PowerLaw(5, 0.5)": ("PowerLaw", (5, 0.5), "powerlaw_cluster_graph", (5, 0.5)),
}


def graph_workbench(name, size):
    import workbench as bp
    cls_name, args, _, _ = GRAPHS[name]
    getattr(bp.connect, cls_name)(*args, seed=0)(20, 20).requires("pre_ids", "post_ids")
    start = time.perf_counter()
    conn = getattr(bp.connect, cls_name)(*args, seed=1)(size, size)
    pre_ids, post_ids = conn.requires("pre_ids", "post_ids")
    return time.perf_counter() - start, int(pre_ids.shape[0])


def graph_networkx(name, size):
    import networkx as nx
    _, _, func_name, args = GRAPHS[name]
    start = time.perf_counter()
    graph = getattr(nx, func_name)(size, *args, seed=1)
    matrix = nx.to_scipy_sparse_array(graph, format="csr")
    return time.perf_counter() - start, int(matrix.nnz)


def run_child(spec):
    kind, args = spec["kind"], spec["args"]
    seconds, synapses = globals()[kind](*args)
    print(json.dumps({"seconds": seconds, "synapses": synapses, "peak_gib": _peak_gib()}))


# ----------------------------------------------------------------- parent
def measure(kind, *args, python=None):
    """Run one case in a fresh interpreter; None when it cannot run there."""
    python = python or sys.executable
    env = dict(os.environ, PYTHONPATH=REPO)
    spec = json.dumps({"kind": kind, "args": list(args)})
    proc = subprocess.run([python, os.path.abspath(__file__), "--child", spec],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(f"[{kind}{args}] failed:\n{proc.stderr[-2000:]}\n")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_table(title, rows, reference):
    print(f"\n{title}")
    print(f"{'case':<44}{'synapses':>12}{'time [s]':>10}{'peak RSS [GiB]':>16}{'time ratio':>12}")
    ref = rows.get(reference)
    for case, result in rows.items():
        if result is None:
            print(f"{case:<44}{'(not run)':>12}")
            continue
        ratio = f"{result['seconds'] / ref['seconds']:.2f}" if ref else "-"
        print(f"{case:<44}{result['synapses']:>12,}{result['seconds']:>10.2f}{result['peak_gib']:>16.2f}"
              f"{ratio:>12}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40000)
    parser.add_argument("--graph-size", type=int, default=20000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        run_child(json.loads(options.child))
        return

    size = options.size
    rows = {
        "numpy dense row blocks + nonzero (baseline)": measure("fixed_prob_numpy", size),
        "workbench FixedProb(method='matrix')": measure("fixed_prob_workbench", size, "matrix"),
        "workbench FixedProb(method='iter')": measure("fixed_prob_workbench", size, "iter"),
    }
    print_table(f"FixedProb(0.02), {size:,} x {size:,}: build + pre_ids, post_ids, pre_slice "
                f"(target: < 10 s, < 3 GiB)", rows, "numpy dense row blocks + nonzero (baseline)")

    small = 4000
    rows = {"workbench FixedProb(method='matrix')": measure("fixed_prob_workbench", small, "matrix")}
    if os.path.exists(BRAINPY_PYTHON):
        rows["BrainPy 1.0.3 FixedProb"] = measure("fixed_prob_brainpy", small, python=BRAINPY_PYTHON)
    else:
        print(f"\nBrainPy 1.0.3 not found at {BRAINPY_PYTHON} (set BRAINPY_PYTHON); peer row skipped.")
    print_table(f"FixedProb(0.02), {small:,} x {small:,} against the peer", rows,
                "workbench FixedProb(method='matrix')")

    have_networkx = importlib.util.find_spec("networkx") is not None
    if not have_networkx:
        print("\nnetworkx is not installed: graph rows show workbench only.")
    n = options.graph_size
    rows = {}
    for name in GRAPHS:
        rows[f"workbench {name}"] = measure("graph_workbench", name, n)
        if have_networkx:
            rows[f"networkx {GRAPHS[name][2]} + to CSR"] = measure("graph_networkx", name, n)
    print(f"\nGraph models, n = {n:,} (ratios: networkx time / workbench time)")
    print(f"{'model':<30}{'synapses':>12}{'workbench [s]':>15}{'networkx [s]':>14}{'ratio':>8}"
          f"{'wb RSS [GiB]':>14}{'nx RSS [GiB]':>14}")
    for name in GRAPHS:
        ours, theirs = rows[f"workbench {name}"], rows.get(f"networkx {GRAPHS[name][2]} + to CSR")
        if ours is None:
            print(f"{name:<30}{'(failed)':>12}")
            continue
        line = f"{name:<30}{ours['synapses']:>12,}{ours['seconds']:>15.3f}"
        if theirs:
            line += (f"{theirs['seconds']:>14.3f}{theirs['seconds'] / ours['seconds']:>8.1f}"
                     f"{ours['peak_gib']:>14.2f}{theirs['peak_gib']:>14.2f}")
        print(line)


if __name__ == "__main__":
    main()

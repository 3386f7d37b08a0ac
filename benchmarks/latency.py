"""Slider-to-updated-marks latency of the Voila dashboards, measured in the browser.

Voila serves ``notebooks/dashboards``; headless Chromium (Debian's, through Playwright)
opens each dashboard once and steps one slider with the keyboard ``--moves`` times,
alternating direction so the values stay in range. The clock runs inside the page:
``performance.now()`` at the key event, stopped two animation frames after the panel's
status line reports the new result (it is updated after the marks, so the marks'
messages have been applied and painted). Compute time inside the kernel is read from
the status line, so the table also shows how much of the latency is the engine.

A ``baseline`` dashboard (a panel whose engine call returns at once and whose one mark
has two points) is measured in the same run: its latency is the floor set by this
machine, Voila and the browser, and the last column gives each dashboard's latency
above that floor.

First render (issue 16): the server runs as ``scripts/launch.sh`` runs it, with one
preheated kernel per dashboard (the notebook already executed, the compiled-code cache
warm); the benchmark waits until those kernels are idle, then opens each dashboard once:
``first s`` is the time from the page request to the first panel showing its result
(goal: < 2 s). ``cold s`` opens each dashboard on a second server without preheating and
with empty compiled-code caches (``WORKBENCH_CACHE_DIR``/``NUMBA_CACHE_DIR``): what the
first visitor would wait without ``launch.sh``'s warming (``--no-cold`` skips it).

Goals (issue 6): phase plane < 100 ms, bifurcation and fast-slow < 500 ms, COBA raster
of 100 ms simulated < 500 ms. Run::

    PYTHONPATH=. python benchmarks/latency.py [--moves 20] [--only phase_plane ...] [--no-cold]
"""

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from widgets.browser import (VoilaServer, launch_chromium, open_dashboard,  # noqa: E402
                             status_text, time_slider_update, wait_until_quiet)

#: dashboard -> (slider, goal in ms)
DASHBOARDS = {
    "baseline": ("a", None),
    "phase_plane": ("Iext", 100.0),
    "bifurcation": ("a", 500.0),
    "fast_slow": ("Isyn", 500.0),
    "ei_network": ("w_exc", 500.0),
    "connectivity": ("sigma", None),
}


BASELINE = r'''
import numpy as np
from widgets.controls import ControlSpec
from widgets.panels.base import Panel
from widgets.render import TraceMarks, make_figure


class Baseline(Panel):
    """The cheapest possible panel: the floor of the slider-to-screen latency."""

    def __init__(self):
        figure, scales = make_figure((0, 1), (0, 1), "x", "y", css_class="wb-baseline")
        self.trace = TraceMarks(scales, ["black"])
        figure.marks = self.trace.marks
        super().__init__([ControlSpec("a", 0.5, 0.0, 1.0)], figure, export_name="baseline")
        self.refresh()
        self.wait()

    def compute(self, params, token):
        return params["a"]

    def render(self, value):
        self.trace.update([(np.array([0.0, 1.0]), np.array([0.0, value]))])

    def export_tables(self):
        return {"line": {"a": np.array([self.result])}}


Baseline()
'''


def serve_folder(folder, names):
    """Copy the dashboards ``names`` and write the baseline dashboard into ``folder``."""
    source = os.path.join(ROOT, "notebooks", "dashboards")
    for name in names:
        if name != "baseline":
            shutil.copy(os.path.join(source, f"{name}.ipynb"), folder)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(BASELINE)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, os.path.join(folder, "baseline.ipynb"))


def percentile(values, q):
    """The q-th percentile by nearest rank.

    Parameters
    ----------
    values : list of float
    q : float

    Returns
    -------
    float
    """
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * q // 100) - 1))]


def computed_ms(status):
    """Kernel-side compute time reported in a status line ('computed in 12 ms')."""
    found = re.search(r"computed in (\d+) ms", status)
    return float(found.group(1)) if found else float("nan")


def measure(page, url, control, moves):
    """Open one dashboard and time ``moves`` slider steps.

    Returns
    -------
    latencies, computes : list of float
        Milliseconds in the page, and the kernel's compute time of each step.
    load_s : float
        Seconds until the dashboard showed its first result.
    """
    load_s = open_dashboard(page, url)
    latencies, computes = [], []
    for move in range(moves):
        key = "ArrowRight" if (move // 2) % 2 == 0 else "ArrowLeft"
        latencies.append(time_slider_update(page, control, key=key, timeout=120))
        computes.append(computed_ms(status_text(page)))
    return latencies, computes, load_s


def cold_first_renders(browser, folder, env, names):
    """First render of each dashboard: no preheated kernel, empty compiled-code caches."""
    cache = tempfile.mkdtemp(prefix="workbench-cold-cache-")
    cold_env = dict(env, WORKBENCH_CACHE_DIR=cache, NUMBA_CACHE_DIR=cache)
    seconds = {}
    with VoilaServer(folder, env=cold_env) as server:
        for name in names:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            seconds[name] = open_dashboard(page, server.url(f"{name}.ipynb"), timeout=900)
            page.close()
    shutil.rmtree(cache, ignore_errors=True)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=20, help="slider steps per dashboard")
    parser.add_argument("--only", nargs="*", default=None, help="dashboards to measure")
    parser.add_argument("--no-cold", dest="cold", action="store_false",
                        help="skip the cold-start column")
    args = parser.parse_args()
    names = ["baseline"] + [n for n in (args.only or list(DASHBOARDS)) if n != "baseline"]
    from playwright.sync_api import sync_playwright

    env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    rows = []
    folder = tempfile.mkdtemp(prefix="workbench-latency-")
    serve_folder(folder, names)
    with VoilaServer(folder, env=env, pool_size=1) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        waited = wait_until_quiet(server, count=len(names))
        print(f"preheated kernels idle after {waited:.0f} s", flush=True)
        for name in names:
            control, goal = DASHBOARDS[name]
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            latencies, computes, load_s = measure(page, server.url(f"{name}.ipynb"), control,
                                                  args.moves)
            page.close()
            rows.append((name, control, statistics.median(latencies),
                         percentile(latencies, 95), statistics.median(computes), goal, load_s))
            print(f"{name}: first render {load_s:.2f} s", flush=True)
        server.stop()
        cold = cold_first_renders(browser, folder, env, names) if args.cold else {}
        browser.close()
    shutil.rmtree(folder, ignore_errors=True)
    floor = rows[0][2]
    print(f"{'dashboard':<13} {'slider':<7} {'median ms':>9} {'p95 ms':>7} {'kernel ms':>9} "
          f"{'goal ms':>7} {'median/goal':>11} {'above floor':>11} {'first s':>7} {'cold s':>6}")
    for name, control, median, p95, kernel, goal, load_s in rows:
        ratio = f"{median / goal:.2f}" if goal else "-"
        cold_s = f"{cold[name]:.1f}" if name in cold else "-"
        print(f"{name:<13} {control:<7} {median:>9.0f} {p95:>7.0f} {kernel:>9.0f} "
              f"{goal or '-':>7} {ratio:>11} {median - floor:>11.0f} {load_s:>7.2f} {cold_s:>6}")


if __name__ == "__main__":
    main()

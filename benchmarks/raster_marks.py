"""Which bqplot mark can show a spike raster live? Measured in the browser (Voila + Chromium).

For 10,000 and 100,000 spikes (4,000 neurons, 100 ms), a dashboard redraws the raster
with new spikes on every slider step, using

* ``svg``   -- ``bqplot.Scatter`` (one SVG element per spike),
* ``gl``    -- ``bqplot_gl.ScatterGL`` (WebGL points; software WebGL here via SwiftShader),
* ``image`` -- :class:`widgets.render.RasterMarks` (spikes binned into a 1000 x 500 PNG).

The latency is measured inside the page (key press to the status label that follows the
mark update, plus two animation frames); the table reports the median and 95th
percentile and the ratio to the image mark. Run::

    PYTHONPATH=. python benchmarks/raster_marks.py [--moves 10]
"""

import argparse
import os
import statistics
import sys
import tempfile

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from widgets.browser import VoilaServer, launch_chromium, time_slider_update  # noqa: E402

NOTEBOOK = r'''
import numpy as np
import bqplot as bq
import bqplot_gl
from widgets.controls import ControlSpec
from widgets.panels.base import Panel
from widgets.render import RasterMarks, make_figure

KIND, N_SPIKES, N_NEURONS, N_STEPS = {kind!r}, {n_spikes}, 4000, 1000


class RasterProbe(Panel):
    """Draws N_SPIKES random spikes with the chosen mark; the seed slider asks for new ones."""

    def __init__(self):
        figure, scales = make_figure((0, 100), (0, N_NEURONS), "t (ms)", "neuron",
                                     css_class="wb-raster")
        if KIND == "image":
            self.raster = RasterMarks(scales)
            figure.marks = self.raster.marks
        else:
            mark_class = bqplot_gl.ScatterGL if KIND == "gl" else bq.Scatter
            self.mark = mark_class(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                   scales=scales, default_size=2, colors=["#D55E00"])
            figure.marks = [self.mark]
        super().__init__([ControlSpec("seed", 0, 0, 1000)], figure, export_name="raster")
        self.refresh()
        self.wait()

    def compute(self, params, token):
        rng = np.random.default_rng(params["seed"])
        return rng.integers(0, N_STEPS, N_SPIKES), rng.integers(0, N_NEURONS, N_SPIKES)

    def render(self, result):
        steps, neurons = result
        if KIND == "image":
            self.raster.update((0.0, 100.0), [dict(steps=steps, neurons=neurons, n_steps=N_STEPS,
                                                   n_neurons=N_NEURONS, color=(213, 94, 0))])
        else:
            with self.mark.hold_sync():
                self.mark.x = (steps * 0.1).astype(np.float32)
                self.mark.y = neurons.astype(np.float32)

    def export_tables(self):
        return {{}}


RasterProbe()
'''


def make_notebooks(folder, sizes, kinds):
    """Write one probe dashboard per (mark kind, spike count)."""
    names = []
    for n_spikes in sizes:
        for kind in kinds:
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(NOTEBOOK.format(kind=kind, n_spikes=n_spikes))]
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
            name = f"raster_{kind}_{n_spikes}.ipynb"
            nbformat.write(nb, os.path.join(folder, name))
            names.append((kind, n_spikes, name))
    return names


def percentile(values, q):
    """The q-th percentile (nearest rank) of a list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=10, help="slider steps per mark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    kinds = ["svg", "gl", "image"]
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        probes = make_notebooks(folder, args.sizes, kinds)
        env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
        with VoilaServer(folder, env=env) as server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for kind, n_spikes, name in probes:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(server.url(name), timeout=180e3)
                page.wait_for_selector(".wb-panel .wb-status-ready", timeout=180e3)
                moves = args.moves if not (kind == "svg" and n_spikes > 20_000) else 3
                latencies = [time_slider_update(page, "seed", timeout=120) for _ in range(moves)]
                rows.append((n_spikes, kind, statistics.median(latencies),
                             percentile(latencies, 95), moves))
                page.close()
            browser.close()
    print(f"{'spikes':>8} {'mark':>6} {'median ms':>10} {'p95 ms':>8} {'moves':>6} "
          f"{'x image':>8}")
    image = {n: med for n, kind, med, _, _ in rows if kind == "image"}
    for n_spikes, kind, median, p95, moves in rows:
        print(f"{n_spikes:>8} {kind:>6} {median:>10.0f} {p95:>8.0f} {moves:>6} "
              f"{median / image[n_spikes]:>8.1f}")


if __name__ == "__main__":
    main()

"""End-to-end: the Voila dashboards in headless Chromium react to slider moves, teach what
their titles say, and can be projected (no overlapping text, legends off the data).

The dashboard server (``widgets.server``, with a token) starts once for this module; each
dashboard is opened once. Every dashboard is screenshot into a temporary folder (or
``$WORKBENCH_SCREENSHOTS``) whose path is printed at the end of the test run. Chromium
missing is a failure that says how to install it, never a skip.
"""

import os
import re
import shutil
import time

import numpy as np
import psutil
import pytest
import requests

from widgets.browser import (VoilaServer, launch_chromium, open_dashboard, press_slider_key,
                             status_text)

from .conftest import screenshot_folder

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARDS = os.path.join(ROOT, "notebooks", "dashboards")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Serve copies, so nothing the dashboards might write lands in the checkout.
    folder = tmp_path_factory.mktemp("dashboards")
    for name in os.listdir(DASHBOARDS):
        if name.endswith(".ipynb"):
            shutil.copy(os.path.join(DASHBOARDS, name), folder)
    env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    with VoilaServer(str(folder), env=env) as voila:
        yield voila


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shoot(page, name):
    page.screenshot(path=os.path.join(screenshot_folder(), f"{name}.png"), full_page=True)


# -- what a projected figure must satisfy ---------------------------------------------------
_TEXT_BOXES = """() => {
  const shown = (el) => { for (let e = el; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden' || +style.opacity === 0) {
        return false; } } return true; };
  return [...document.querySelectorAll('.wb-figure svg text')]
    .filter(t => t.textContent.trim() && shown(t))
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent.trim(), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
                        figure: (t.closest('.wb-figure').className.match(/wb-[a-z0-9-]+/g) || [])
                                .filter(c => c !== 'wb-figure').join(' ')}; })
    .filter(b => b.x1 - b.x0 > 0.5 && b.y1 - b.y0 > 0.5);
}"""

_DATA_POINTS = """() => {
  const shown = (el) => { for (let e = el; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden' || +style.opacity === 0) {
        return false; } } return true; };
  const points = [];
  for (const path of document.querySelectorAll('.wb-figure svg path.line')) {
    if (!shown(path) || !path.getAttribute('d')) { continue; }
    const total = path.getTotalLength();
    const ctm = path.getScreenCTM();
    const n = Math.min(3000, Math.ceil(total / 2));
    for (let i = 0; i <= n; i++) {
      const p = path.getPointAtLength(total * i / Math.max(n, 1)).matrixTransform(ctm);
      points.push([p.x, p.y]);
    }
  }
  for (const el of document.querySelectorAll('.wb-figure svg .dot, .wb-figure svg image')) {
    if (!shown(el)) { continue; }
    const r = el.getBoundingClientRect();
    if (r.width > 0) { points.push([r.left + r.width / 2, r.top + r.height / 2]); }
  }
  return points;
}"""

LEGEND_GLYPHS = "\u2501\u254d\u2505\u25cf\u25cb\u25a0\u25a1\u25c6\u25c7"


def overlapping_texts(page, tolerance=1.0):
    """Pairs of text elements of the figures whose boxes overlap by more than ``tolerance`` px."""
    boxes = page.evaluate(_TEXT_BOXES)
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            width = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            height = min(a["y1"], b["y1"]) - max(a["y0"], b["y0"])
            if width > tolerance and height > tolerance:
                pairs.append((f"{a['figure']}: {a['text']!r}", f"{b['figure']}: {b['text']!r}"))
    return pairs


def legend_over_data(page):
    """Legend rows (text starting with a legend glyph) that have a data point under them."""
    legends = [b for b in page.evaluate(_TEXT_BOXES) if b["text"][0] in LEGEND_GLYPHS]
    points = np.array(page.evaluate(_DATA_POINTS) or np.zeros((0, 2)), dtype=float)
    covered = []
    for box in legends:
        inside = ((points[:, 0] > box["x0"]) & (points[:, 0] < box["x1"]) &
                  (points[:, 1] > box["y0"]) & (points[:, 1] < box["y1"])) if len(points) else []
        if np.any(inside):
            covered.append(box["text"])
    return legends, covered


def check_projectable(page, legends_expected=True):
    """No overlapping text, legends off the data, axes named, no library log lines."""
    assert overlapping_texts(page) == []
    legends, covered = legend_over_data(page)
    assert covered == [], f"legend rows over data: {covered}"
    if legends_expected:
        assert legends, "a figure of this dashboard should have a legend"
    labels = page.eval_on_selector_all(
        ".wb-figure svg text.axislabel",
        "els => els.filter(e => e.getClientRects().length).map(e => e.textContent.trim())")
    assert labels and all(labels), f"every shown axis needs a name, got {labels}"
    body = page.inner_text("body")
    assert "SymPy" not in body and "<lambda>" not in body


def wait_for_status(page, text, timeout=90, unlike=None):
    """Wait until the first panel's status shows ``text`` (and differs from ``unlike``).

    Fails when the panel reports an error, or on timeout with the status it shows.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        _wait_for_status(page, text, timeout, unlike)
    except PlaywrightTimeout:
        raise AssertionError(f"the panel never showed {text!r} within {timeout} s; its status "
                             f"is {status_text(page)!r}") from None
    status = status_text(page)
    assert "wb-status-error" not in page.get_attribute(".wb-panel .wb-status", "class"), status
    return status


def _wait_for_status(page, text, timeout, unlike):
    page.wait_for_function(
        """([text, unlike]) => { const s = document.querySelector('.wb-panel .wb-status');
             return s.classList.contains('wb-status-error') ||
                    s.classList.contains('wb-status-ready') && s.innerText.includes(text) &&
                    s.innerText !== unlike; }""",
        arg=[text, unlike], timeout=timeout * 1e3)


def attribute_changes(page, selector, attribute, before, timeout=60):
    page.wait_for_function(
        "(a) => document.querySelector(a[0]).getAttribute(a[1]) !== a[2]",
        arg=[selector, attribute, before], timeout=timeout * 1e3)
    return page.get_attribute(selector, attribute)


def paths(page, figure):
    """All line paths of a figure, joined: changes whenever any line is redrawn differently."""
    return page.eval_on_selector_all(f".wb-panel .{figure} path.line",
                                     "els => els.map(e => e.getAttribute('d')).join('|')")


def test_phase_plane_dashboard(server, page):
    open_dashboard(page, server.url("phase_plane.ipynb"))
    assert "Iext=0.8, a=0.7, b=0.8: 1 fixed point: unstable node" in status_text(page)
    before = paths(page, "wb-phase-plane")
    press_slider_key(page, "Iext", "ArrowLeft")
    status = wait_for_status(page, "Iext=0.79,")
    assert paths(page, "wb-phase-plane") != before
    # below the Hopf current the fixed point is stable
    page.focus(".wb-panel .wb-control-Iext .noUi-handle")
    page.keyboard.press("Home")                      # Iext = 0
    status = wait_for_status(page, "Iext=0, ")
    assert "stable focus" in status or "stable node" in status
    # a click on the plane starts a trajectory there
    box = page.locator(".wb-panel .wb-phase-plane svg").first.bounding_box()
    page.mouse.click(box["x"] + 0.65 * box["width"], box["y"] + 0.3 * box["height"])
    status = wait_for_status(page, "trajectory from V=", unlike=status)
    start = status.split("trajectory from ")[1]
    V, w = (float(part.split("=")[1]) for part in start.split(" (")[0].split(", "))
    assert 0.5 < V < 2.5 and 0.0 < w < 2.5           # upper right quarter of the plane
    # export: the figure as PNG (rendered in the browser) and the data as CSV (a download link)
    with page.expect_download(timeout=30e3) as download:
        page.click(".wb-panel .wb-export-png")
    assert download.value.suggested_filename == "phase_plane.png"
    assert os.path.getsize(download.value.path()) > 10_000
    page.click(".wb-panel .wb-export-csv")
    link = page.wait_for_selector(".wb-panel a.wb-download >> text=phase_plane-fixed_points.csv")
    with page.expect_download(timeout=30e3) as download:
        link.click()
    with open(download.value.path()) as fh:
        assert fh.readline().strip() == "V,w,stability"
    shoot(page, "phase_plane")
    check_projectable(page)


def test_bifurcation_dashboard(server, page):
    open_dashboard(page, server.url("bifurcation.ipynb"))
    assert "H1 (hopf) at Iext=0.3313" in status_text(page)
    before = paths(page, "wb-bifurcation")
    for _ in range(5):
        press_slider_key(page, "a")
    status = wait_for_status(page, "a=0.75,")
    assert "H1 (hopf) at Iext=0.3938" in status        # -(V - V^3/3 - (V + a)/b), V = -0.9675
    assert paths(page, "wb-bifurcation") != before
    shoot(page, "bifurcation")
    check_projectable(page)


def spike_times(page, figure):
    """Times of upward crossings of the middle of the y axis by a figure's line (from its SVG)."""
    d = page.get_attribute(f".wb-panel .{figure} path.line", "d")
    xy = np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]).reshape(-1, 2)
    middle = 0.5 * (xy[:, 1].min() + xy[:, 1].max())
    above = xy[:, 1] < middle                     # SVG y grows downwards
    rises = np.flatnonzero(~above[:-1] & above[1:]) + 1
    return xy[rises, 0]


def count_bursts(times):
    """Spikes grouped into bursts: a gap longer than 5x the intra-burst interval starts one."""
    intervals = np.diff(times)
    if len(intervals) < 2:
        return len(times), 0
    intra = np.median(intervals)
    return len(times), 1 + int(np.sum(intervals > 5 * intra))


def test_fast_slow_dashboard_bursts(server, page):
    open_dashboard(page, server.url("fast_slow.ipynb"))
    first = status_text(page)
    # folds of the fast subsystem at z = I - 5/27 and z = I + 1 (HR with a=1, b=3, c=1, d=5)
    assert "Isyn=2, r=0.003: LP1 (fold) at z=1.815" in first and "LP2 (fold) at z=3" in first
    spikes, bursts = count_bursts(spike_times(page, "wb-time-course"))
    assert bursts >= 3 and spikes >= 3 * bursts, (spikes, bursts)
    # the orbit winds around the fast subsystem's cycles: its z range lies between the
    # lower fold (where bursts start) and the upper fold
    before = paths(page, "wb-fast-slow")
    for _ in range(10):
        press_slider_key(page, "Isyn")
    status = wait_for_status(page, "Isyn=2.5,")
    assert "LP1 (fold) at z=2.315" in status
    assert paths(page, "wb-fast-slow") != before
    spikes, bursts = count_bursts(spike_times(page, "wb-time-course"))
    assert bursts >= 3 and spikes >= 3 * bursts, (spikes, bursts)
    shoot(page, "fast_slow")
    check_projectable(page)


def test_ei_network_dashboard(server, page):
    open_dashboard(page, server.url("ei_network.ipynb"))
    raster = ".wb-panel .wb-raster image"
    before_raster = page.get_attribute(raster, "href")
    before_rate = paths(page, "wb-rate")
    first = status_text(page)
    assert "w_exc=0.6, w_inh=6.7, I=20: 100 ms simulated" in first
    for _ in range(4):
        press_slider_key(page, "w_exc")
    status = wait_for_status(page, "w_exc=0.8,")
    assert status.split("E: ")[1].split(" spikes")[0] != first.split("E: ")[1].split(" spikes")[0]
    attribute_changes(page, raster, "href", before_raster)
    assert paths(page, "wb-rate") != before_rate
    shoot(page, "ei_network")
    check_projectable(page)


def test_connectivity_dashboard(server, page):
    open_dashboard(page, server.url("connectivity.ipynb"))
    weight_map = ".wb-panel .wb-weight-map image"
    before_map = page.get_attribute(weight_map, "href")
    assert "sigma=0.1," in status_text(page)
    for _ in range(3):
        press_slider_key(page, "sigma")
    status = wait_for_status(page, "sigma=0.13,")
    assert "map of neuron 820" in status
    attribute_changes(page, weight_map, "href", before_map)
    shoot(page, "connectivity")
    check_projectable(page, legends_expected=False)
    for index, tab in enumerate(["DOG", "FixedProb"], start=1):
        page.click(f".lm-TabBar-tab >> text={tab}")
        page.wait_for_function(f"() => document.querySelectorAll('.wb-panel')[{index}]"
                               ".getClientRects().length > 0")
        time.sleep(1.0)                      # the tab's figures lay out when first shown
        shoot(page, f"connectivity_{tab}")
        check_projectable(page, legends_expected=False)


# -- the kernel's lifecycle seen from the page (issue 15 item 5) ----------------------------
def kernel_id_of(page):
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data')"
                         ".textContent).kernelId")


def kernel_alive(server, kernel_id):
    reply = requests.get(f"http://127.0.0.1:{server.port}/api/kernels/{kernel_id}"
                         f"?token={server.token}", timeout=30)
    return reply.status_code == 200


def test_closing_the_page_shuts_its_kernel_down(server, browser):
    page = browser.new_page()
    open_dashboard(page, server.url("phase_plane.ipynb"))
    kernel_id = kernel_id_of(page)
    assert kernel_alive(server, kernel_id)
    page.goto("about:blank")          # the visitor leaves (Playwright's close() sends no beacon)
    deadline = time.monotonic() + 30
    while kernel_alive(server, kernel_id):
        assert time.monotonic() < deadline, "the kernel outlived its page by 30 s"
        time.sleep(0.5)
    assert "403" not in server.log_tail(100).split(kernel_id)[-1]
    page.close()


def test_a_dead_kernel_shows_a_banner_and_inactive_sliders(server, page):
    open_dashboard(page, server.url("phase_plane.ipynb"))
    assert page.is_hidden("#wb-kernel-banner")
    kernel_id = kernel_id_of(page)
    (kernel,) = [p for p in psutil.process_iter(["cmdline"])
                 if any(f"kernel-{kernel_id}.json" in part for part in p.info["cmdline"] or ())]
    kernel.kill()                                      # as the OOM killer or a segfault would
    page.wait_for_selector("#wb-kernel-banner", state="visible", timeout=60e3)
    assert "Reload the page" in page.inner_text("#wb-kernel-banner")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.wb-controls'))"
                         ".pointerEvents") == "none"
    shoot(page, "dead_kernel")


# -- first render from a preheated kernel (issue 16 item 1; timings: benchmarks/latency.py) --
def test_a_visitor_gets_a_preheated_kernel_that_already_computed(tmp_path, browser):
    from widgets.browser import kernel_processes, wait_until_quiet
    shutil.copy(os.path.join(DASHBOARDS, "phase_plane.ipynb"), tmp_path)
    env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    with VoilaServer(str(tmp_path), env=env, pool_size=1) as server:
        wait_until_quiet(server, count=1)
        (ready,) = [part for k in kernel_processes(server) for part in k.cmdline()
                    if part.endswith(".json") and "kernel-" in part]
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        try:
            open_dashboard(page, server.url("phase_plane.ipynb"))
            # the page runs on the kernel that was executed before the visitor came ...
            assert f"kernel-{kernel_id_of(page)}.json" in ready
            # ... so its figure was computed then, with nothing left to compile
            status = status_text(page)
            assert "Iext=0.8, a=0.7, b=0.8: 1 fixed point: unstable node" in status
            assert "compiled" not in status
            assert f"Using pre-heated kernel: {kernel_id_of(page)}" in server.log_tail(200)
        finally:
            page.close()

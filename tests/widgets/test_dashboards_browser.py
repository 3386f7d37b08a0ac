"""End-to-end: the Voila dashboards in headless Chromium react to slider moves.

Voila starts once for this module; each dashboard is opened once. A screenshot of
every dashboard after the slider move is kept under ``artifacts/browser/``.
Chromium missing is a failure that says how to install it, never a skip.
"""

import os
import shutil

import pytest

from widgets.browser import (VoilaServer, launch_chromium, open_dashboard, press_slider_key,
                             status_text)

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARDS = os.path.join(ROOT, "notebooks", "dashboards")
ARTIFACTS = os.path.join(ROOT, "artifacts", "browser")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Serve copies: the export buttons write CSV/NPZ files next to the notebook.
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
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


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
    page.mouse.click(box["x"] + 0.75 * box["width"], box["y"] + 0.3 * box["height"])
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


def test_fast_slow_dashboard(server, page):
    open_dashboard(page, server.url("fast_slow.ipynb"))
    assert "LP1 (fold) at z=0.3148" in status_text(page)
    before = paths(page, "wb-fast-slow")
    for _ in range(10):
        press_slider_key(page, "Isyn")
    status = wait_for_status(page, "Isyn=1:")
    assert "LP1 (fold) at z=0.8148" in status           # folds at Isyn - 5/27 and Isyn + 1
    assert paths(page, "wb-fast-slow") != before
    shoot(page, "fast_slow")


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

"""End-to-end: the Voila dashboards in headless Chromium react to slider moves.

Voila starts once for this module; each dashboard is opened once. A screenshot of
every dashboard after the slider move is kept under ``artifacts/browser/``.
Chromium missing is a failure that says how to install it, never a skip.
"""

import os

import pytest

from widgets.browser import (VoilaServer, launch_chromium, open_dashboard, press_slider_key,
                             status_text)

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARDS = os.path.join(ROOT, "notebooks", "dashboards")
ARTIFACTS = os.path.join(ROOT, "artifacts", "browser")


@pytest.fixture(scope="module")
def server():
    env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    with VoilaServer(DASHBOARDS, env=env) as voila:
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


def wait_for_status(page, text, timeout=60):
    """Wait until the first panel's status says it shows ``text`` (fail on a panel error)."""
    page.wait_for_function(
        """(text) => { const s = document.querySelector('.wb-panel .wb-status');
                       return s.classList.contains('wb-status-error') ||
                              s.classList.contains('wb-status-ready') && s.innerText.includes(text); }""",
        arg=text, timeout=timeout * 1e3)
    status = status_text(page)
    assert "wb-status-error" not in page.get_attribute(".wb-panel .wb-status", "class"), status
    return status


def attribute_changes(page, selector, attribute, before, timeout=30):
    page.wait_for_function(
        "(a) => document.querySelector(a[0]).getAttribute(a[1]) !== a[2]",
        arg=[selector, attribute, before], timeout=timeout * 1e3)
    return page.get_attribute(selector, attribute)


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

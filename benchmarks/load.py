"""A classroom's load on the dashboard server: N concurrent sessions, then a soak.

The server runs as ``scripts/launch.sh`` runs it (``widgets.server``, token, ``--pool_size``
preheated kernels of the phase-plane dashboard). Headless Chromium (one browser, one page
per student) then:

1. **Concurrent sessions**, N = 1, 4, 8: N pages request the dashboard at the same moment;
   ``first render`` is each page's time from the request to its panel showing a result
   (median and max over the N; a session not rendered within 10 minutes is counted as
   not rendered); then every page steps its slider ``--moves`` times, all
   pages at once; ``slider p50/p95`` is over all moves of all pages; ``MB/kernel`` is the
   resident memory of each session's kernel (median). The pages then leave (their kernels
   are shut down by the page-close beacon) and the pool refills before the next N.
2. **Soak**: ``--soak`` sessions (30) open and leave one after another; the table prints the
   server's and its kernels' resident memory before, at the peak and after, and the number
   of kernels left, which must return to the pool size.

The machine was shared with other work while these numbers were taken unless said otherwise;
compare rows of one run, not runs. Run::

    PYTHONPATH=. python benchmarks/load.py [--sessions 1 4 8] [--moves 10] [--soak 30]
"""

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from widgets.browser import (CHROMIUM_ARGS, CHROMIUM_PATH, SLIDER_TIMING_SCRIPT,  # noqa: E402
                             VoilaServer, kernel_processes, wait_until_quiet)

DASHBOARD, CONTROL = "phase_plane", "Iext"
READY = ".wb-panel .wb-status-ready"


def percentile(values, q):
    """The q-th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * q // 100) - 1))]


def memory_mb(server):
    """Resident memory (MB) of the server process and of each of its kernels."""
    import psutil

    def rss(process):
        try:
            return process.memory_info().rss / 1e6
        except psutil.Error:
            return 0.0
    return rss(psutil.Process(server.process.pid)), [rss(k) for k in kernel_processes(server)]


#: Seconds a session may wait for its first render before it counts as failed.
SESSION_TIMEOUT = 600.0


async def open_session(browser, url):
    """Open one page; returns (page, seconds until its panel shows a result, or None)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    page = await browser.new_page(viewport={"width": 1400, "height": 1100})
    start = time.monotonic()
    try:
        await page.goto(url, timeout=SESSION_TIMEOUT * 1e3)
        await page.wait_for_selector(READY, timeout=SESSION_TIMEOUT * 1e3)
    except PlaywrightTimeout:
        return page, None
    return page, time.monotonic() - start


async def move_slider(page, moves):
    """Step the slider ``moves`` times (right, right, left, left, ...); the latencies in ms."""
    latencies = []
    handle = f".wb-panel .wb-control-{CONTROL} .noUi-handle"
    for move in range(moves):
        key = "ArrowRight" if (move // 2) % 2 == 0 else "ArrowLeft"
        out = await page.evaluate(SLIDER_TIMING_SCRIPT,
                                  [handle, ".wb-panel .wb-status", key, 300e3])
        if out["ms"] < 0:
            raise RuntimeError(f"slider move failed: {out['status']}")
        latencies.append(out["ms"])
    return latencies


async def leave(page):
    """Leave the page as a student closing the tab does (the beacon shuts the kernel down)."""
    await page.goto("about:blank")
    await page.close()


async def concurrent(browser, server, n, moves):
    url = server.url(f"{DASHBOARD}.ipynb")
    opened = await asyncio.gather(*(open_session(browser, url) for _ in range(n)))
    pages = [page for page, seconds in opened if seconds is not None]
    renders = [seconds for _, seconds in opened if seconds is not None]
    _, kernels = memory_mb(server)
    moved = await asyncio.gather(*(move_slider(page, moves) for page in pages))
    latencies = [ms for page_moves in moved for ms in page_moves]
    await asyncio.gather(*(leave(page) for page, _ in opened))
    return renders, latencies, kernels


async def soak(browser, server, sessions, pool_size):
    url = server.url(f"{DASHBOARD}.ipynb")
    before_server, before_kernels = memory_mb(server)
    peak = before_server + sum(before_kernels)
    for index in range(sessions):
        page, seconds = await open_session(browser, url)
        if seconds is None:
            print(f"  soak session {index + 1}: not rendered within {SESSION_TIMEOUT:.0f} s")
        server_mb, kernels = memory_mb(server)
        peak = max(peak, server_mb + sum(kernels))
        await leave(page)
        print(f"  soak session {index + 1}/{sessions}: server {server_mb:.0f} MB, "
              f"{len(kernels)} kernels {sum(kernels):.0f} MB", flush=True)
    deadline = time.monotonic() + 120
    while len(kernel_processes(server)) > pool_size and time.monotonic() < deadline:
        await asyncio.sleep(1)
    await asyncio.sleep(5)
    after_server, after_kernels = memory_mb(server)
    return (before_server, before_kernels), peak, (after_server, after_kernels)


async def run(args):
    from playwright.async_api import async_playwright

    folder = tempfile.mkdtemp(prefix="workbench-load-")
    shutil.copy(os.path.join(ROOT, "notebooks", "dashboards", f"{DASHBOARD}.ipynb"), folder)
    env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    rows = []
    with VoilaServer(folder, env=env, pool_size=args.pool) as server:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM_PATH,
                                                       args=CHROMIUM_ARGS)
            for n in args.sessions:
                wait_until_quiet(server, count=args.pool)
                renders, latencies, kernels = await concurrent(browser, server, n, args.moves)
                rows.append((n, renders, latencies, kernels))
                print(f"N={n}: first render {[round(r, 1) for r in renders]} s "
                      f"({n - len(renders)} not rendered within {SESSION_TIMEOUT:.0f} s); "
                      f"slider p50 {statistics.median(latencies or [float('nan')]):.0f} ms",
                      flush=True)
            soaked = None
            if args.soak:
                wait_until_quiet(server, count=args.pool)
                soaked = await soak(browser, server, args.soak, args.pool)
            await browser.close()
    shutil.rmtree(folder, ignore_errors=True)

    print(f"\n{DASHBOARD} dashboard, {args.pool} preheated kernel(s), {args.moves} slider moves "
          f"per session")
    print(f"{'sessions':>8} {'rendered':>8} {'first render s (median / max)':>30} "
          f"{'slider p50 ms':>13} {'slider p95 ms':>13} {'MB/kernel':>9}")
    nan = float("nan")
    for n, renders, latencies, kernels in rows:
        print(f"{n:>8} {len(renders):>8} {statistics.median(renders or [nan]):>21.1f} / "
              f"{max(renders or [nan]):<6.1f} {statistics.median(latencies or [nan]):>13.0f} "
              f"{percentile(latencies, 95) if latencies else nan:>13.0f} "
              f"{statistics.median(kernels) if kernels else nan:>9.0f}")
    if soaked:
        (s0, k0), peak, (s1, k1) = soaked
        print(f"\nsoak: {args.soak} sessions opened and left one after another")
        print(f"{'':>8} {'server MB':>9} {'kernels':>7} {'kernels MB':>10} {'total MB':>8}")
        for label, server_mb, kernels in (("before", s0, k0), ("after", s1, k1)):
            print(f"{label:>8} {server_mb:>9.0f} {len(kernels):>7} {sum(kernels):>10.0f} "
                  f"{server_mb + sum(kernels):>8.0f}")
        print(f"{'peak':>8} {'':>9} {'':>7} {'':>10} {peak:>8.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="*", default=[1, 4, 8])
    parser.add_argument("--moves", type=int, default=10, help="slider steps per session")
    parser.add_argument("--pool", type=int, default=1, help="preheated kernels")
    parser.add_argument("--soak", type=int, default=30, help="sessions of the soak (0: none)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

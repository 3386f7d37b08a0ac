"""Drive Voila dashboards in headless Chromium (for the browser tests and the latency benchmark).

* :class:`VoilaServer` starts the dashboard server (:mod:`widgets.server`) on 127.0.0.1 at a
  free port with a token and waits for the
  port with a TCP connect: an HTTP GET would execute a notebook in a new kernel.
* :func:`launch_chromium` starts Debian's Chromium through Playwright (no browser
  download) with the flags that work in containers, and says how to install it
  when it is missing.
* :func:`open_dashboard`, :func:`press_slider_key` and :func:`time_slider_update`
  open a dashboard, step a slider with the keyboard and measure, inside the page,
  the time from the key press to the moment the panel shows the new result.

Panels mark their DOM with stable CSS classes (``wb-panel``, ``wb-control-<name>``,
``wb-status-ready``, ``wb-figure``), which is what these helpers rely on.
"""

import os
import secrets
import socket
import subprocess
import sys
import time

__all__ = ["CHROMIUM_PATH", "CHROMIUM_ARGS", "VoilaServer", "launch_chromium", "free_port",
           "open_dashboard", "press_slider_key", "time_slider_update", "status_text",
           "SLIDER_TIMING_SCRIPT", "kernel_processes", "wait_until_quiet"]

#: Where Debian's ``chromium`` package puts the browser (override with ``WORKBENCH_CHROMIUM``).
CHROMIUM_PATH = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")

#: Flags for a headless Chromium in a container (no sandbox, no GPU, no network chatter);
#: SwiftShader provides WebGL in software.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--enable-unsafe-swiftshader"]


def free_port():
    """A TCP port on 127.0.0.1 that is free right now.

    Returns
    -------
    int
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VoilaServer:
    """The dashboards' server (``python -m widgets.server``, i.e. Voila with a token and host
    checks) serving a folder of notebooks on 127.0.0.1.

    Parameters
    ----------
    root : str
        Folder served (``notebooks/dashboards``).
    port : int, optional
        Default: a free port.
    log_path : str, optional
        Where Voila's output goes (default: a file in the system temp folder).
    env : dict, optional
        Extra environment variables for Voila and its kernels.
    startup_timeout : float, optional
        Seconds to wait for the port.
    token : str, optional
        The server's token (default: a random one); :meth:`url` carries it.
    pool_size : int, optional
        Preheated kernels per notebook (0: a kernel starts when a page is opened).
    args : list of str, optional
        More command-line options of the server.

    Examples
    --------
    >>> with VoilaServer('notebooks/dashboards') as server:       # doctest: +SKIP
    ...     print(server.url('phase_plane.ipynb'))
    """

    def __init__(self, root, port=None, log_path=None, env=None, startup_timeout=180.0,
                 token=None, pool_size=0, args=()):
        if not os.path.isdir(root):
            raise FileNotFoundError(f"`root`={root!r} is not a folder of notebooks")
        self.root = os.path.abspath(root)
        self.port = int(port) if port else free_port()
        self.log_path = log_path or os.path.join(
            os.environ.get("TMPDIR", "/tmp"), f"workbench-voila-{self.port}.log")
        self.env = dict(os.environ, **(env or {}))
        self.startup_timeout = float(startup_timeout)
        self.token = token or secrets.token_hex(16)
        self.pool_size = int(pool_size)
        self.args = list(args)
        self.process = None

    def url(self, notebook, token=True):
        """Address of one dashboard.

        Parameters
        ----------
        notebook : str
            File name inside ``root`` (``'phase_plane.ipynb'``).
        token : bool, optional
            Append ``?token=...`` (False: the address a stranger would try).

        Returns
        -------
        str
        """
        query = f"?token={self.token}" if token else ""
        return f"http://127.0.0.1:{self.port}/voila/render/{notebook}{query}"

    def start(self):
        """Start Voila and wait until its port accepts connections.

        Returns
        -------
        VoilaServer
            ``self``.

        Raises
        ------
        RuntimeError
            When Voila exits or the port stays closed (the log is quoted).
        """
        command = [sys.executable, "-m", "widgets.server", self.root, f"--port={self.port}",
                   "--no-browser", "--Voila.ip=127.0.0.1", "--show_tracebacks=True",
                   f"--token={self.token}"]
        if self.pool_size:
            command += ["--preheat_kernel=True", f"--pool_size={self.pool_size}"]
        command += self.args
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        env=self.env, cwd=self.root)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"voila exited with code {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"voila did not open port {self.port} within "
                           f"{self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        """The last lines of Voila's log.

        Parameters
        ----------
        lines : int, optional

        Returns
        -------
        str
        """
        try:
            with open(self.log_path) as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self):
        """Terminate Voila (and with it the dashboards' kernels)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def launch_chromium(playwright, executable_path=None):
    """Launch headless Chromium through Playwright without downloading a browser.

    Parameters
    ----------
    playwright : playwright.sync_api.Playwright
        From ``sync_playwright().start()``.
    executable_path : str, optional
        Default :data:`CHROMIUM_PATH`.

    Returns
    -------
    playwright.sync_api.Browser

    Raises
    ------
    FileNotFoundError
        When the browser is missing, with the command to install it.
    """
    path = executable_path or CHROMIUM_PATH
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"Chromium is not installed at {path!r}; the browser tests need it. Install it with "
            f"`apt-get install -y chromium` (Debian/Ubuntu) or point WORKBENCH_CHROMIUM at a "
            f"Chromium binary.")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def open_dashboard(page, url, timeout=180.0):
    """Open a dashboard and wait until its first panel shows a result.

    Parameters
    ----------
    page : playwright.sync_api.Page
    url : str
    timeout : float, optional
        Seconds (kernel start and the first computation, including compilation).

    Returns
    -------
    float
        Seconds until the panel was ready.
    """
    start = time.monotonic()
    page.goto(url, timeout=timeout * 1e3)
    page.wait_for_selector(".wb-panel .wb-status-ready", timeout=timeout * 1e3)
    return time.monotonic() - start


def status_text(page, panel=".wb-panel"):
    """The status line of a panel.

    Parameters
    ----------
    page : playwright.sync_api.Page
    panel : str, optional
        CSS selector of the panel.

    Returns
    -------
    str
    """
    return page.inner_text(f"{panel} .wb-status")


def press_slider_key(page, control, key="ArrowRight", panel=".wb-panel"):
    """Step a slider with the keyboard (works with ``continuous_update=False``).

    Parameters
    ----------
    page : playwright.sync_api.Page
    control : str
        Parameter name (the panel's control ``wb-control-<name>``).
    key : str, optional
    panel : str, optional
    """
    page.focus(f"{panel} .wb-control-{control} .noUi-handle")
    page.keyboard.press(key)


#: Page script ``([handle, status selector, key, timeout ms]) -> {ms, status}``: presses a key on a
#: slider handle and returns the milliseconds until the status shows a new result, painted
#: (-1: the panel reported an error, -2: timeout). Used by :func:`time_slider_update` and by
#: ``benchmarks/load.py`` (async Playwright).
SLIDER_TIMING_SCRIPT = """
async ([handle, statusSel, key, timeoutMs]) => {
  const status = document.querySelector(statusSel);
  const before = status.innerText;
  const el = document.querySelector(handle);
  el.focus();
  const t0 = performance.now();
  el.dispatchEvent(new KeyboardEvent('keydown', {key: key, code: key, bubbles: true}));
  el.dispatchEvent(new KeyboardEvent('keyup', {key: key, code: key, bubbles: true}));
  while (true) {
    const s = document.querySelector(statusSel);
    if (s.classList.contains('wb-status-ready') && s.innerText !== before) break;
    if (s.classList.contains('wb-status-error')) return {ms: -1, status: s.innerText};
    if (performance.now() - t0 > timeoutMs) return {ms: -2, status: s.innerText};
    await new Promise(r => setTimeout(r, 1));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {ms: performance.now() - t0, status: document.querySelector(statusSel).innerText};
}
"""


def time_slider_update(page, control, key="ArrowRight", panel=".wb-panel", timeout=30.0):
    """Milliseconds from a slider key press to the panel showing the new result, in the page.

    The clock is the page's ``performance.now()``: it starts when the key event
    is dispatched and stops two animation frames after the status line says
    the new result is drawn (the status is updated after the marks, so the
    marks' messages have been applied by then and the browser has painted).

    Parameters
    ----------
    page : playwright.sync_api.Page
    control : str
        Parameter name of the slider.
    key : str, optional
    panel : str, optional
    timeout : float, optional

    Returns
    -------
    float
        Latency in milliseconds.

    Raises
    ------
    RuntimeError
        When the panel reports an error or the update does not arrive in time.
    """
    handle = f"{panel} .wb-control-{control} .noUi-handle"
    out = page.evaluate(SLIDER_TIMING_SCRIPT, [handle, f"{panel} .wb-status", key, timeout * 1e3])
    if out["ms"] < 0:
        reason = "reported an error" if out["ms"] == -1 else "did not update in time"
        raise RuntimeError(f"panel {panel} {reason} after {key} on {control!r}: {out['status']}")
    return out["ms"]


def kernel_processes(server):
    """The kernel processes a server started (children running ``ipykernel``).

    Parameters
    ----------
    server : VoilaServer

    Returns
    -------
    list of psutil.Process
    """
    import psutil

    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def wait_until_quiet(server, count=None, seconds=3.0, timeout=900.0):
    """Wait until the server's kernels have finished their work (preheated notebooks executed).

    A kernel is done when the server reports it ``idle`` and its last activity lies
    ``seconds`` in the past (a notebook being executed keeps it busy cell after cell).

    Parameters
    ----------
    server : VoilaServer
    count : int, optional
        Number of kernels to wait for.
    seconds : float, optional
    timeout : float, optional

    Returns
    -------
    float
        Seconds waited.

    Raises
    ------
    TimeoutError
    """
    import datetime

    import requests

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        time.sleep(0.5)
        ids = [part.rsplit("kernel-", 1)[1][:-len(".json")]
               for kernel in kernel_processes(server) for part in kernel.cmdline()
               if "kernel-" in part and part.endswith(".json")]
        if not ids or (count is not None and len(ids) < count):
            continue
        quiet = True
        for kernel_id in ids:
            reply = requests.get(f"http://127.0.0.1:{server.port}/api/kernels/{kernel_id}"
                                 f"?token={server.token}", timeout=30)
            model = reply.json() if reply.status_code == 200 else {}
            last = model.get("last_activity")
            if model.get("execution_state") != "idle" or last is None:
                quiet = False
                break
            when = datetime.datetime.fromisoformat(last.replace("Z", "+00:00"))
            age = (datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()
            if age < seconds:
                quiet = False
                break
        if quiet:
            return time.monotonic() - start
    raise TimeoutError(f"the server's kernels were still busy after {timeout:.0f} s")

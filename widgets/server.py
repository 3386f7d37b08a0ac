"""Serve the dashboards safely: Voila with a token, Host/Origin checks and bounded websockets.

``python -m widgets.server notebooks/dashboards`` is what ``scripts/launch.sh`` runs. It is
Voila 0.5 (:class:`WorkbenchVoila`, a subclass) with these changes, each closing a hole a
classroom server must not have:

* **A token** is required (generated unless ``--token`` is given) and printed with the URL.
* **Host check** (DNS rebinding): Voila hard-codes ``allow_remote_access=True``; here only
  loopback addresses and ``--allowed_hosts`` are served, so a page of a foreign site whose
  name resolves to this machine is refused even when its ``Origin`` matches its ``Host``.
  Cross-origin API and websocket requests are refused by jupyter_server's Origin check.
* **Bounded websocket frames**: jupyter_server 2.x and Voila 0.5.13 (the newest releases)
  read the v1 kernel-protocol header ``n`` from the first 8 bytes and build a list of ``n``
  offsets; a legacy-format binary frame makes ``n`` astronomically large and the server loops
  forever, allocating memory. :func:`parse_v1_frame` checks the frame before anything is
  allocated, malformed frames are dropped with a warning, and the legacy protocol itself is
  refused (the browser front end always speaks v1).
* **Kernels are shut down** when a page closes: Voila's front end posts the ``_xsrf``
  cookie with its shutdown beacon, but Voila never sets that cookie (403); the page handler
  here sets it. Idle kernels without a connection are culled after ``--cull_idle`` seconds.
* **Preheated kernels** (``--pool_size``): each dashboard is executed ahead of a visitor,
  so the first render is a page load, not a kernel start plus imports plus a computation.
  Every visitor gets a kernel of their own (the pool refills behind them).
* The page template (``widgets/jupyter_data/voila/templates/workbench``, Voila's lab template
  plus a script) shows a banner and marks the sliders inactive when the kernel dies, restarts
  or is shut down.

``python -m widgets.server warm notebooks/dashboards`` executes every dashboard once so
numba's disk cache is filled before the first visitor (``scripts/launch.sh`` does this
before serving).
"""

import json
import os
import sys
import time

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from traitlets import Float, Integer, List, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = ["WorkbenchVoila", "parse_v1_frame", "warm", "main", "TEMPLATE_ROOT",
           "V1_PROTOCOL", "MAX_FRAME_PARTS"]

#: The kernel websocket protocol of JupyterLab and Voila front ends.
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"

#: Parts of one v1 frame at most: channel, header, parent header, metadata, content and
#: buffers (bqplot sends a few arrays per message; 1000 is far above any real message).
MAX_FRAME_PARTS = 1000

#: Folder holding ``voila/templates/workbench`` (added to Jupyter's data path).
TEMPLATE_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jupyter_data")


def parse_v1_frame(frame):
    """Check a v1 kernel-protocol websocket frame and return its part boundaries.

    The frame is ``n`` (8 bytes, little endian), ``n`` offsets (8 bytes each), then the
    parts: ``[offset[i], offset[i+1])`` for ``i < n - 1``.

    Parameters
    ----------
    frame : bytes
        One websocket message.

    Returns
    -------
    list of int or None
        The ``n`` offsets, or None when the frame is not a well-formed v1 frame (not bytes,
        too short, ``n`` out of range, offsets decreasing or past the end).
    """
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        return None
    frame = bytes(frame) if isinstance(frame, memoryview) else frame
    if len(frame) < 8:
        return None
    count = int.from_bytes(frame[:8], "little")
    if not 2 <= count <= MAX_FRAME_PARTS or 8 * (count + 1) > len(frame):
        return None
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    if offsets[0] < 8 * (count + 1) or offsets[-1] > len(frame):
        return None
    if any(b < a for a, b in zip(offsets, offsets[1:])):
        return None
    return offsets


def frame_header(frame):
    """The message header of a well-formed v1 frame (None for anything else).

    Parameters
    ----------
    frame : bytes

    Returns
    -------
    dict or None
    """
    offsets = parse_v1_frame(frame)
    if offsets is None or len(offsets) < 3:
        return None
    try:
        return json.loads(frame[offsets[1]:offsets[2]].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


class CheckedWebsocketConnection(ZMQChannelsWebsocketConnection):
    """Kernel websocket connection that drops malformed frames instead of trusting them."""

    def handle_incoming_message(self, incoming_msg):
        """Forward a frame from the browser to the kernel only when it is well formed."""
        if self.subprotocol != V1_PROTOCOL:
            self.log.warning("Dropping a kernel message on a connection without the %s "
                             "protocol", V1_PROTOCOL)
            return
        if parse_v1_frame(incoming_msg) is None:
            size = len(incoming_msg) if hasattr(incoming_msg, "__len__") else "?"
            self.log.warning("Dropping a malformed kernel websocket frame (%s, %s bytes)",
                             type(incoming_msg).__name__, size)
            return
        try:
            super().handle_incoming_message(incoming_msg)
        except Exception as exc:   # a bad frame from one page must not reach the event loop
            self.log.warning("Dropping a kernel websocket frame that failed to decode: %s", exc)


class CheckedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket, speaking only the v1 protocol and parsing headers safely."""

    def select_subprotocol(self, subprotocols):
        """Accept the v1 protocol only (a client offering nothing else is refused)."""
        return V1_PROTOCOL if V1_PROTOCOL in subprotocols else None

    def open(self, kernel_id):
        """Close connections that did not agree on the v1 protocol."""
        if self.selected_subprotocol != V1_PROTOCOL:
            self.log.warning("Refusing a kernel websocket without the %s protocol", V1_PROTOCOL)
            self.close(1002, f"only the {V1_PROTOCOL} protocol is served")
            return None
        return super().open(kernel_id)

    def write_message(self, message, binary=False):
        """Voila's filter of ``execute_input`` messages, with a bounded header parser."""
        if isinstance(message, bytes):
            header = frame_header(message)
            if header and header.get("msg_type") == "execute_input":
                return None
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)


class XsrfCookieVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler, which also sets the ``_xsrf`` cookie the shutdown beacon posts."""

    async def get(self, path=None):
        """Render the dashboard after setting the ``_xsrf`` cookie."""
        self.xsrf_token   # noqa: B018 -- reading it sets the cookie
        return await super().get(path)


class WorkbenchVoila(Voila):
    """Voila with a token, Host/Origin checks, bounded websockets and kernel clean-up.

    Options (besides Voila's): ``--allowed_hosts`` (host names served besides loopback
    addresses), ``--cull_idle`` (seconds before an idle kernel without a page is shut
    down) and ``--pool_size`` (preheated kernels per dashboard).
    """

    name = "workbench-voila"
    description = "Serve workbench dashboards (Voila with a token and host checks)"

    allowed_hosts = List(Unicode(), default_value=["localhost"], config=True,
                         help="Host names served besides loopback addresses.")
    cull_idle = Float(600.0, config=True,
                      help="Seconds an idle kernel without a connected page lives (0: never "
                           "culled).")
    cull_interval = Integer(60, config=True, help="Seconds between two culling passes.")

    aliases = {**Voila.aliases, "allowed_hosts": "WorkbenchVoila.allowed_hosts",
               "cull_idle": "WorkbenchVoila.cull_idle",
               "cull_interval": "WorkbenchVoila.cull_interval"}

    @default("auto_token")
    def _default_auto_token(self):
        return True

    @default("kernel_websocket_connection_class")
    def _default_connection_class(self):
        return CheckedWebsocketConnection

    def initialize(self, argv=None):
        """Add the workbench template to Jupyter's path, then initialise Voila."""
        paths = os.environ.get("JUPYTER_PATH", "")
        if TEMPLATE_ROOT not in paths.split(os.pathsep):
            os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (TEMPLATE_ROOT, paths) if p)
        super().initialize(argv)
        if self.token == "":
            raise ValueError("`--token=''` would serve the dashboards to anyone who can reach "
                             "the port; give a token or leave it out to have one generated")
        if self.cull_idle:
            config = self.config
            config.MappingKernelManager.cull_idle_timeout = int(self.cull_idle)
            config.MappingKernelManager.cull_interval = int(self.cull_interval)
            config.MappingKernelManager.cull_connected = False

    @property
    def display_url(self):
        """The URL to open, with the whole token (also when it was given on the command line)."""
        url = super().display_url
        token = self.identity_provider.token
        return url.replace("?token=...", f"?token={token}") if token else url

    def setup_template_dirs(self):
        """Use the workbench template (Voila's lab template plus the kernel watch)."""
        if self.voila_configuration.template == "lab":
            self.voila_configuration.template = "workbench"
        super().setup_template_dirs()

    def init_settings(self):
        """Voila's settings with the Host check switched on."""
        settings = super().init_settings()
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = list(self.allowed_hosts)
        return settings

    def init_handlers(self):
        """Voila's handlers with the checked websocket and the cookie-setting page handler."""
        swap = {VoilaKernelWebsocketHandler: CheckedKernelWebsocketHandler,
                TornadoVoilaHandler: XsrfCookieVoilaHandler}
        return [(spec[0], swap.get(spec[1], spec[1]), *spec[2:]) for spec in
                super().init_handlers()]


def warm(folder, timeout=600):
    """Execute every dashboard of ``folder`` once, filling the compiled-code cache.

    Parameters
    ----------
    folder : str
        Folder of ``.ipynb`` dashboards.
    timeout : float, optional
        Seconds per cell.

    Returns
    -------
    dict
        ``{notebook file name: seconds}``.

    Raises
    ------
    RuntimeError
        When a dashboard fails (its error is quoted).
    """
    import nbformat
    from nbclient import NotebookClient

    seconds = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".ipynb"):
            continue
        notebook = nbformat.read(os.path.join(folder, name), as_version=4)
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            continue
        start = time.perf_counter()
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        try:
            client.execute()
        except Exception as exc:
            raise RuntimeError(f"dashboard {name} failed while warming the cache: {exc}") from exc
        seconds[name] = time.perf_counter() - start
        print(f"warmed {name} in {seconds[name]:.1f} s", flush=True)
    return seconds


def main(argv=None):
    """Command line: ``[warm] FOLDER [voila options]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["warm"]:
        if len(argv) != 2:
            raise SystemExit("usage: python -m widgets.server warm FOLDER")
        warm(os.path.abspath(argv[1]))
        return
    WorkbenchVoila.launch_instance(argv)


if __name__ == "__main__":
    main()

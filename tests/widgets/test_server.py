"""The dashboard server (``python -m widgets.server``): token, Host/Origin checks, bounded
websocket frames, kernel shutdown and culling (issue 15 item 5).

One server for the module serves a tiny notebook (a kernel that starts quickly); every
test talks HTTP or websocket to it on 127.0.0.1 only.
"""

import json
import os
import struct
import time

import nbformat
import psutil
import pytest
import requests
import websocket
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from widgets.browser import VoilaServer
from widgets.server import V1_PROTOCOL, frame_header, parse_v1_frame

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, folder / "tiny.ipynb")
    env = {"PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    with VoilaServer(str(folder), env=env, args=["--cull_idle=4", "--cull_interval=1"]) as voila:
        yield voila


def open_page(server, session=None):
    """GET the tiny dashboard; returns (session, kernel id)."""
    session = session or requests.Session()
    page = session.get(server.url("tiny.ipynb"), timeout=120)
    assert page.status_code == 200, page.text[:500]
    config = page.text.split('<script id="jupyter-config-data" type="application/json">')[1]
    return session, json.loads(config.split("</script>")[0])["kernelId"]


def kernel_exists(server, session, kernel_id):
    reply = session.get(f"http://127.0.0.1:{server.port}/api/kernels/{kernel_id}"
                        f"?token={server.token}", timeout=30)
    assert reply.status_code in (200, 404), reply.text
    return reply.status_code == 200


def responsive(server, timeout=2.0):
    """Seconds a cheap request takes (fails when the event loop is stuck)."""
    start = time.monotonic()
    requests.get(f"http://127.0.0.1:{server.port}/voila/static/voila.js", timeout=timeout)
    return time.monotonic() - start


def channels_url(server, kernel_id):
    return (f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels"
            f"?token={server.token}&session_id=test")


# -- frame parsing (no server) --------------------------------------------------------------
def v1_frame(msg_type="comm_msg", channel="shell"):
    def pack(obj):
        return json.dumps(obj).encode()
    msg = {"header": {"msg_type": msg_type, "msg_id": "1"}, "parent_header": {},
           "metadata": {}, "content": {"comm_id": "c", "data": {}}, "buffers": []}
    return serialize_msg_to_ws_v1(msg, channel, pack)


def legacy_binary_frame():
    """Jupyter's legacy binary format: 4-byte big-endian buffer count, 4-byte offsets, JSON."""
    body = json.dumps({"header": {"msg_type": "comm_msg"}, "channel": "shell"}).encode()
    return struct.pack(">II", 1, 8) + body


def test_well_formed_frames_parse_and_everything_else_is_refused():
    frame = v1_frame()
    assert parse_v1_frame(frame) is not None
    assert frame_header(frame)["msg_type"] == "comm_msg"
    # the legacy frame reads as n = 2**32 + ... parts: refused before building any list
    assert int.from_bytes(legacy_binary_frame()[:8], "little") > 10 ** 9
    assert parse_v1_frame(legacy_binary_frame()) is None
    assert parse_v1_frame(b"\x01") is None
    assert parse_v1_frame("a text frame") is None
    broken = bytearray(frame)
    broken[16:24] = (10 ** 6).to_bytes(8, "little")       # second offset past the end
    assert parse_v1_frame(bytes(broken)) is None
    assert frame_header(bytes(broken)) is None


# -- HTTP ------------------------------------------------------------------------------------
def test_pages_need_the_token(server):
    stranger = requests.get(server.url("tiny.ipynb", token=False), timeout=30,
                            allow_redirects=False)
    assert stranger.status_code in (302, 403)
    assert "login" in stranger.headers.get("Location", "login")
    wrong = requests.get(server.url("tiny.ipynb", token=False) + "?token=guess", timeout=30,
                         allow_redirects=False)
    assert wrong.status_code in (302, 403)


def test_the_log_prints_the_url_with_the_token(server):
    assert f"?token={server.token}" in server.log_tail(200)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "10.1.2.3"])
def test_a_foreign_host_is_refused_even_with_a_matching_origin(server, host):
    # DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser sends its name
    reply = requests.get(server.url("tiny.ipynb"), timeout=30, allow_redirects=False,
                         headers={"Host": host, "Origin": f"http://{host}"})
    assert reply.status_code == 403


def test_loopback_names_are_served(server):
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        reply = requests.get(f"http://127.0.0.1:{server.port}/?token={server.token}",
                             headers={"Host": host}, timeout=30)
        assert reply.status_code == 200


def test_a_cross_origin_websocket_is_refused(server):
    # A foreign page cannot know the token, but the browser would send the visitor's login
    # cookie along: with a foreign Origin that must be refused.
    session, kernel_id = open_page(server)
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    url = channels_url(server, kernel_id).replace(f"token={server.token}&", "")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, subprotocols=[V1_PROTOCOL], cookie=cookie,
                                    origin="http://evil.example", timeout=30)
    assert refused.value.status_code in (403, 404)
    same_site = websocket.create_connection(url, subprotocols=[V1_PROTOCOL], cookie=cookie,
                                            origin=f"http://127.0.0.1:{server.port}", timeout=30)
    same_site.close()


# -- websocket frames -----------------------------------------------------------------------
def test_a_legacy_frame_neither_freezes_nor_grows_the_server(server):
    _, kernel_id = open_page(server)
    process = psutil.Process(server.process.pid)
    before = process.memory_info().rss
    ws = websocket.create_connection(channels_url(server, kernel_id), subprotocols=[V1_PROTOCOL],
                                     timeout=30)
    try:
        assert ws.getsubprotocol() == V1_PROTOCOL
        ws.send_binary(legacy_binary_frame())              # froze Voila 0.5.13 (+80 MB/s)
        ws.send("{\"channel\": \"shell\"}")                  # a legacy text frame
        for _ in range(5):
            time.sleep(0.3)
            assert responsive(server) < 2.0
        assert process.memory_info().rss - before < 50e6
        ws.send_binary(v1_frame("kernel_info_request"))    # the connection still works
        ws.settimeout(30)
        for _ in range(20):
            header = frame_header(ws.recv())
            if header and header["msg_type"] == "kernel_info_reply":
                break
        else:
            raise AssertionError("no kernel_info_reply after the malformed frames")
    finally:
        ws.close()
    assert "Dropping a malformed kernel websocket frame" in server.log_tail(200)


def test_a_client_without_the_v1_protocol_is_closed(server):
    _, kernel_id = open_page(server)
    ws = websocket.create_connection(channels_url(server, kernel_id), timeout=30)
    try:
        ws.settimeout(10)
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            for _ in range(5):
                if ws.recv() in ("", b""):
                    raise websocket.WebSocketConnectionClosedException("closed")
    finally:
        ws.close()
    assert responsive(server) < 2.0


# -- kernel lifecycle -----------------------------------------------------------------------
def test_the_page_close_beacon_shuts_the_kernel_down(server):
    session, kernel_id = open_page(server)
    xsrf = session.cookies.get("_xsrf")
    assert xsrf, "the page must set the _xsrf cookie the shutdown beacon posts"
    # what Voila's front end sends on `beforeunload` (navigator.sendBeacon with a form)
    reply = session.post(f"http://127.0.0.1:{server.port}/voila/api/shutdown/{kernel_id}",
                         files={"_xsrf": (None, xsrf)}, timeout=30)
    assert reply.status_code == 204, reply.text
    assert not kernel_exists(server, session, kernel_id)


def test_idle_kernels_without_a_page_are_culled(server):
    session, kernel_id = open_page(server)          # a page that never connects (closed tab)
    assert kernel_exists(server, session, kernel_id)
    deadline = time.monotonic() + 60
    while kernel_exists(server, session, kernel_id):
        assert time.monotonic() < deadline, "the idle kernel was not culled within 60 s"
        time.sleep(1)


def test_soak_sessions_leave_no_kernel_and_no_memory_behind(server):
    # a light version of benchmarks/load.py's soak: visitors come and go one after another
    process = psutil.Process(server.process.pid)
    baseline_kernels = len([c for c in process.children(recursive=True)
                            if "ipykernel" in " ".join(c.cmdline())])
    rss = []
    for _ in range(5):
        session, kernel_id = open_page(server)
        reply = session.post(f"http://127.0.0.1:{server.port}/voila/api/shutdown/{kernel_id}",
                             files={"_xsrf": (None, session.cookies.get("_xsrf"))}, timeout=30)
        assert reply.status_code == 204
        rss.append(process.memory_info().rss)
    kernels = [c for c in process.children(recursive=True)
               if "ipykernel" in " ".join(c.cmdline())]
    assert len(kernels) <= baseline_kernels
    assert rss[-1] - rss[0] < 30e6, [round(r / 1e6) for r in rss]

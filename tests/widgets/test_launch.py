"""scripts/launch.sh lab opens JupyterLab on notebooks/ with the tutorials and dashboards."""

import os
import signal
import subprocess
import time

import pytest
import requests

from widgets.browser import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.slow


def test_launch_lab_serves_the_tutorials_with_a_token(tmp_path):
    port, token = free_port(), "classroom-test-token"
    env = dict(os.environ, PORT=str(port), TOKEN=token, JUPYTER_RUNTIME_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    log = open(tmp_path / "lab.log", "w")
    lab = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "launch.sh"), "lab"],
                           stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert lab.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "JupyterLab did not answer within 600 s"
            try:
                reply = requests.get(f"{base}/lab?token={token}", timeout=10)
                break
            except requests.ConnectionError:
                time.sleep(1)
        assert reply.status_code == 200 and "JupyterLab" in reply.text
        listing = requests.get(f"{base}/api/contents/tutorials?token={token}", timeout=30).json()
        names = {item["name"] for item in listing["content"]}
        assert "01_numerical_solvers.ipynb" in names and len(names) >= 7
        dashboards = requests.get(f"{base}/api/contents/dashboards?token={token}",
                                  timeout=30).json()
        assert "fast_slow.ipynb" in {item["name"] for item in dashboards["content"]}
        stranger = requests.get(f"{base}/api/contents/tutorials", timeout=30)
        assert stranger.status_code == 403
        assert "/lab?token=" in (tmp_path / "lab.log").read_text()      # the URL is printed
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
        log.close()

"""Run Brian2 (a simulator nobody here wrote) on a network spec, in its own interpreter.

Brian2 2.9 does not import with numpy >= 2.4 (``ndarray.ptp`` is gone), which
the project's environment has. Its interpreter is therefore a separate venv:
``$WORKBENCH_BRIAN2_PYTHON`` when set, else a venv that :func:`brian2_python`
builds once (``python -m venv --system-site-packages`` plus
``pip install brian2==2.9.0 "numpy>=2,<2.4"``, about a minute) under
``$WORKBENCH_BRIAN2_VENV`` (default ``~/.cache/workbench/brian2-2.9.0``) and
reuses afterwards. A failing build fails the tests with pip's output.
"""

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).parent / "references" / "brian2_networks.py"
REQUIREMENTS = ("brian2==2.9.0", "numpy>=2,<2.4")


def _venv_dir():
    default = Path.home() / ".cache" / "workbench" / "brian2-2.9.0"
    return Path(os.environ.get("WORKBENCH_BRIAN2_VENV", default))


_PROBE = ("from importlib.metadata import version; import numpy; "
          "print(version('brian2'), numpy.__version__)")


def _works(python):
    """Brian2 2.9.0 beside a numpy < 2.4 (read from metadata: importing Brian2 takes seconds)."""
    probe = subprocess.run([str(python), "-c", _PROBE], capture_output=True, text=True, timeout=300)
    if probe.returncode != 0:
        return False
    brian2, numpy = probe.stdout.split()
    return brian2 == "2.9.0" and tuple(int(x) for x in numpy.split(".")[:2]) < (2, 4)


def brian2_python():
    """Path of an interpreter that imports Brian2 2.9.0 (built on first use)."""
    given = os.environ.get("WORKBENCH_BRIAN2_PYTHON")
    if given:
        if not _works(given):
            raise RuntimeError(f"WORKBENCH_BRIAN2_PYTHON={given!r} has no brian2 2.9.0 beside a "
                               f"numpy < 2.4; unset it to let the tests build a venv")
        return given
    venv = _venv_dir()
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / (venv.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # one build when several sessions start at once
        if python.exists() and _works(python):
            return str(python)
        steps = [[sys.executable, "-m", "venv", "--system-site-packages", "--clear", str(venv)],
                 [str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS]]
        for command in steps:
            done = subprocess.run(command, capture_output=True, text=True, timeout=1200)
            if done.returncode != 0:
                raise RuntimeError(f"building the Brian2 venv failed: {' '.join(command)}\n"
                                   f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        if not _works(python):
            raise RuntimeError(f"the Brian2 venv at {venv} was built but does not import brian2")
    return str(python)


def run_brian2(spec):
    """Run ``references/brian2_networks.py`` on ``spec`` (a dict of arrays); return its results."""
    python = brian2_python()
    with tempfile.TemporaryDirectory() as folder:
        spec_path, result_path = Path(folder) / "spec.npz", Path(folder) / "result.npz"
        np.savez(spec_path, **{k: np.asarray(v) for k, v in spec.items()})
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["HOME"] = os.environ.get("HOME", folder)
        done = subprocess.run([python, str(SCRIPT), str(spec_path), str(result_path)],
                              capture_output=True, text=True, timeout=900, env=env, cwd=folder)
        if done.returncode != 0:
            raise RuntimeError(f"Brian2 failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        with np.load(result_path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}

"""The README's tour is executed, so the README stays true."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_tour_runs(tmp_path):
    text = open(os.path.join(ROOT, "README.md")).read()
    start = text.index("```python") + len("```python")
    code = text[start:text.index("```", start)]
    script = tmp_path / "tour.py"
    script.write_text(code + "\nprint('HOPF', [p.values['Iext'] for p in diagram.special('hopf')])\n")
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    hopf = [line for line in done.stdout.splitlines() if line.startswith("HOPF")]
    # FHN Hopf onset: V^2 = 1 - b/tau, Iext = w - V + V^3/3 with w = (V + a)/b
    v = -(1 - 0.8 / 12.5) ** 0.5
    iext = (v + 0.7) / 0.8 - v + v ** 3 / 3
    assert abs(float(hopf[0].split("[")[1].rstrip("]")) - iext) < 1e-8

"""Every Python block of the README runs as written (each on its own), so the README stays true."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_blocks():
    """The README's ```python blocks, with the title of the section each one is in."""
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = []
    section = "top"
    for part in re.split(r"(^#+ [^\n]*$|^```python\n.*?^```$)", text, flags=re.M | re.S):
        if part.startswith("#"):
            section = part.lstrip("#").strip()
        elif part.startswith("```python"):
            blocks.append((section, part[len("```python\n"):-3]))
    return blocks


BLOCKS = python_blocks()


def run_block(code, tmp_path, epilogue=""):
    script = tmp_path / "block.py"
    script.write_text(code + epilogue)
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_readme_has_its_blocks():
    sections = [section for section, _ in BLOCKS]
    assert sections[0] == "A short tour" and len(BLOCKS) >= 3
    assert any("sweep" in s for s in sections) and any("Backends" in s for s in sections)


@pytest.mark.parametrize("index", range(len(BLOCKS)),
                         ids=[f"{i}-{re.sub(r'[^a-z]+', '_', s.lower())[:30]}"
                              for i, (s, _) in enumerate(BLOCKS)])
def test_readme_block_runs_as_written(index, tmp_path):
    section, code = BLOCKS[index]
    if section == "A short tour":
        out = run_block(code, tmp_path, "\nprint('HOPF', [p.values['Iext'] "
                                        "for p in diagram.special('hopf')])\n")
        hopf = [line for line in out.splitlines() if line.startswith("HOPF")]
        # FHN Hopf onset: V^2 = 1 - b/tau, Iext = w - V + V^3/3 with w = (V + a)/b
        v = -(1 - 0.8 / 12.5) ** 0.5
        iext = (v + 0.7) / 0.8 - v + v ** 3 / 3
        assert abs(float(hopf[0].split("[")[1].rstrip("]")) - iext) < 1e-8
    elif "sweep" in section:
        # the ch. 9.1 search: every set runs, and the coherence is a number in [0, 1]
        out = run_block(code, tmp_path, "\nprint('STATUS', set(table['status']))"
                                        "\nprint('CC', float(min(cc)), float(max(cc)))\n")
        assert "STATUS {'ok'}" in out, out[-2000:]
        low, high = (float(v) for v in out.split("CC ")[1].split())
        assert 0.0 <= low <= high <= 1.0
    else:
        run_block(code, tmp_path)

"""Every notebook (tutorials and dashboards) executes headless without errors."""

import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "**", "*.ipynb"), recursive=True))


def test_there_are_notebooks():
    names = {os.path.relpath(p, os.path.join(ROOT, "notebooks")) for p in NOTEBOOKS}
    for dashboard in ("phase_plane", "bifurcation", "fast_slow", "ei_network", "connectivity"):
        assert f"dashboards/{dashboard}.ipynb" in names
    assert sum(name.startswith("tutorials/") for name in names) >= 7


def test_index_links_every_dashboard():
    import nbformat
    index = os.path.join(ROOT, "notebooks", "dashboards", "index.ipynb")
    text = "".join(cell.source for cell in nbformat.read(index, as_version=4).cells)
    linked = set(re.findall(r"\]\(([\w./-]+\.ipynb)\)", text))
    present = {os.path.basename(p) for p in glob.glob(os.path.join(os.path.dirname(index), "*.ipynb"))}
    assert linked == present - {"index.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS,
                         ids=[os.path.relpath(p, os.path.join(ROOT, "notebooks")) for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    # The kernel must import this checkout's workbench and widgets even when not pip-installed.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    if not any(cell.cell_type == "code" for cell in notebook.cells):
        return                               # nothing to execute (e.g. the dashboards' index)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors

"""Every notebook (tutorials and dashboards) executes headless without errors."""

import glob
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "**", "*.ipynb"), recursive=True))


def test_there_are_notebooks():
    names = {os.path.relpath(p, os.path.join(ROOT, "notebooks")) for p in NOTEBOOKS}
    assert "dashboards/connectivity.ipynb" in names


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
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors

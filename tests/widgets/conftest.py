"""Screenshots of the browser tests go to one folder per test run, printed at the end."""

import os
import tempfile

_FOLDER = []


def screenshot_folder():
    """The folder for this run's screenshots (``$WORKBENCH_SCREENSHOTS`` or a new temp folder).

    Returns
    -------
    str
    """
    if not _FOLDER:
        folder = os.environ.get("WORKBENCH_SCREENSHOTS") or tempfile.mkdtemp(
            prefix="workbench-screenshots-")
        os.makedirs(folder, exist_ok=True)
        _FOLDER.append(folder)
    return _FOLDER[0]


def pytest_terminal_summary(terminalreporter):
    if _FOLDER:
        shots = sorted(name for name in os.listdir(_FOLDER[0]) if name.endswith(".png"))
        terminalreporter.write_line(f"Dashboard screenshots ({len(shots)}): {_FOLDER[0]}")

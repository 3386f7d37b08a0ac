"""Visualize tests draw on the Agg backend and close their figures."""

import gc
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    import matplotlib.pyplot as plt
    yield
    plt.close("all")
    # Tests discard animations they made with show=False on purpose; collect
    # them here so matplotlib's "deleted without rendering" warning does not
    # surface later, attributed to an unrelated test.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Animation was deleted without rendering")
        gc.collect()


@pytest.fixture
def show_calls(monkeypatch):
    """Record calls of ``plt.show`` instead of showing anything."""
    import matplotlib.pyplot as plt
    calls = []
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: calls.append(args))
    return calls

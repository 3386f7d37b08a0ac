"""Shared test fixtures: every test starts on the numpy backend with dt=0.1."""

import os

import pytest

# Keep generated code and numba's cache inside the checkout's ignored folder so
# that test runs never depend on (or pollute) a user's home cache.
os.environ.setdefault("WORKBENCH_CACHE_DIR",
                      os.path.join(os.path.dirname(os.path.dirname(__file__)), ".numba_cache"))
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def default_backend():
    """Reset the backend and time step around every test."""
    import workbench as bp
    bp.backend.set("numpy", dt=0.1)
    bp.backend.set_numba_profile(fastmath=False)
    yield
    bp.backend.set("numpy", dt=0.1)
    bp.backend.set_numba_profile(fastmath=False)

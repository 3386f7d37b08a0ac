"""Fixtures of the simulation tests."""

import pytest

import workbench as bp


@pytest.fixture(params=["numpy", "numba"])
def backend(request):
    """Run a test on both backends (the autouse fixture resets to numpy afterwards)."""
    bp.backend.set(request.param, dt=0.1)
    return request.param


@pytest.fixture(params=["numpy", "numba", "numba+fastmath"])
def backend_or_fastmath(request):
    """Both backends, and numba under ``bp.backend.set_numba_profile(fastmath=True)``.

    For the NaN/inf watch: fast math must not let LLVM fold it away. The autouse fixture
    resets the backend and the profile afterwards.
    """
    name, _, fastmath = request.param.partition("+")
    bp.backend.set(name, dt=0.1)
    bp.backend.set_numba_profile(fastmath=bool(fastmath))
    return name

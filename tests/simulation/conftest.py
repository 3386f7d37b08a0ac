"""Fixtures of the simulation tests."""

import pytest

import workbench as bp


@pytest.fixture(params=["numpy", "numba"])
def backend(request):
    """Run a test on both backends (the autouse fixture resets to numpy afterwards)."""
    bp.backend.set(request.param, dt=0.1)
    return request.param

import numpy as np
import pytest

import workbench as bp


def test_required_operation_lists_match_the_manual():
    assert bp.ops.OPS_FOR_SOLVER == ['normal', 'sum', 'exp', 'shape']
    assert bp.ops.OPS_FOR_SIMULATION == ['as_tensor', 'zeros', 'ones', 'arange',
                                         'concatenate', 'where', 'reshape']
    assert bp.ops.OPS_OF_DTYPE == ['bool', 'int', 'int32', 'int64', 'float', 'float32',
                                   'float64']


@pytest.mark.parametrize("backend", ["numpy", "numba", "numba-parallel"])
def test_every_required_operation_exists(backend):
    bp.backend.set(backend)
    for name in bp.ops.OPS_FOR_SOLVER + bp.ops.OPS_FOR_SIMULATION + bp.ops.OPS_OF_DTYPE:
        assert hasattr(bp.ops, name), name
    assert bp.ops.zeros(3).shape == (3,)
    assert bp.ops.ones((2, 3)).sum() == 6


def test_manual_clip_sqrt_example_on_numpy_and_numba():
    # manual ch. 10: unified clip/sqrt operations registered per backend
    import numba as nb

    @nb.njit
    def nb_clip(x, x_min, x_max):
        x = np.maximum(x, x_min)
        x = np.minimum(x, x_max)
        return x

    bp.ops.set_buffer('numpy', clip=np.clip, sqrt=np.sqrt)
    bp.ops.set_buffer('numba', clip=nb_clip, sqrt=np.sqrt)
    bp.ops.set_buffer('numba-parallel', clip=nb_clip, sqrt=np.sqrt)

    def test(arr):
        return bp.ops.sqrt(bp.ops.clip(arr, 0., 1.))

    for backend in ('numpy', 'numba'):
        bp.backend.set(backend)
        out = test(bp.ops.as_tensor([-1, 0.5, 2.]))
        np.testing.assert_allclose(out, [0., 0.70710678, 1.], atol=1e-8)
    assert bp.ops.clip is nb_clip
    bp.backend.set('numpy')
    assert bp.ops.clip is np.clip


def test_set_ops_and_set_ops_from_module_change_the_active_backend():
    import types
    module = types.ModuleType("myops")
    module.square = lambda x: x * x
    bp.ops.set_ops_from_module(module)
    assert bp.ops.square(3) == 9
    bp.ops.set_ops(cube=lambda x: x ** 3)
    assert bp.ops.cube(2) == 8


def test_set_buffer_rejects_unknown_backend_and_non_callables():
    with pytest.raises(ValueError, match="not a known backend.*'numba'.*'numpy'"):
        bp.ops.set_buffer('cupy', clip=np.clip)
    with pytest.raises(ValueError, match="must be callable"):
        bp.ops.set_buffer('numpy', clip=3)


def test_numba_cuda_buffers_are_stored_but_the_backend_cannot_be_activated():
    # manual ch. 10 cell [9] registers 'numba-cuda' buffers inside a try block that
    # only catches ModuleNotFoundError, so registering must not raise
    import math
    bp.ops.set_buffer('numba-cuda', sqrt=math.sqrt)
    with pytest.raises(ValueError, match="'numba-cuda' is not available.*removed"):
        bp.backend.set('numba-cuda')
    assert bp.backend.get_backend() == 'numpy'

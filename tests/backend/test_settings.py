import pytest

import workbench as bp


def test_set_backend_and_dt():
    bp.backend.set('numba', dt=0.04)
    assert bp.backend.get_backend() == 'numba'
    assert bp.backend.get_dt() == 0.04
    bp.backend.set(dt=0.2)
    assert bp.backend.get_backend() == 'numba'
    assert bp.backend.get_dt() == 0.2


def test_unknown_backend_lists_the_supported_ones():
    with pytest.raises(ValueError, match=r"`backend`='cuda' is not a known backend; "
                                         r"choose one of: .*'numba'.*'numpy'"):
        bp.backend.set('cuda')
    assert bp.backend.get_backend() == 'numpy'


@pytest.mark.parametrize("dt", [0, -0.1, float('nan'), 'fast'])
def test_bad_dt_is_refused(dt):
    with pytest.raises(ValueError, match="`dt`="):
        bp.backend.set(dt=dt)
    assert bp.backend.get_dt() == 0.1


def test_unexpected_keyword_is_named():
    with pytest.raises(ValueError, match="unexpected keyword.*'device'"):
        bp.backend.set('numpy', device='gpu')


def test_size2len():
    assert bp.size2len(10) == 10
    assert bp.size2len((10, 20)) == 200
    with pytest.raises(ValueError, match="`size`='a'"):
        bp.size2len('a')


def test_set_dt_is_the_default_step_of_integrators_and_runs():
    bp.backend.set_dt(0.25)
    assert bp.backend.get_dt() == 0.25

    @bp.odeint
    def decay(x, t):
        return -x

    assert decay.dt == 0.25
    assert decay(1.0, 0.0) == pytest.approx(0.75)           # one Euler step: x - dt x
    bp.backend.set_dt(0.5)
    # Created without dt: it follows the backend (issue 15: a fixed dt silently disagreed with runs).
    assert decay.dt == 0.5
    assert decay(1.0, 0.0) == pytest.approx(0.5)
    assert bp.backend.get_backend() == 'numpy'               # set_dt leaves the backend alone


@pytest.mark.parametrize("dt", [0, -1.0, float('inf'), None, 'x'])
def test_set_dt_refuses_bad_steps(dt):
    with pytest.raises(ValueError, match=r"`dt`=.*(positive|number)"):
        bp.backend.set_dt(dt)
    assert bp.backend.get_dt() == 0.1


@pytest.mark.parametrize("name, numba", [('numpy', False), ('numba', True),
                                         ('numba-parallel', True)])
def test_get_backend_name_and_is_numba_backend(name, numba):
    bp.backend.set(name)
    assert bp.backend.get_backend_name() == bp.backend.get_backend() == name
    assert bp.backend.is_numba_backend() is numba
    assert bp.backend.is_numba_backend(name) is numba
    other = 'numpy' if numba else 'numba'
    assert bp.backend.is_numba_backend(other) is (not numba)     # the argument wins
    assert bp.backend.is_numba_backend('pytorch') is False

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

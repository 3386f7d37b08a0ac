"""bp.drivers: the manual's ch. 3.4 call runs; drivers of one's own are refused clearly."""

import pytest

import workbench as bp


def test_manual_set_buffer_example_runs_and_is_recorded():
    bp.drivers.set_buffer('numpy',
                          node_driver=bp.drivers.GeneralNodeDriver,
                          net_driver=bp.drivers.GeneralNetDriver,
                          diffint_driver=bp.drivers.GeneralDiffIntDriver)
    assert bp.drivers.get_buffer('numpy') == {'node': bp.drivers.GeneralNodeDriver,
                                              'net': bp.drivers.GeneralNetDriver,
                                              'diffint': bp.drivers.GeneralDiffIntDriver}
    bp.drivers.set_buffer('numba', node_driver=bp.drivers.TensorNodeDriver)
    assert bp.drivers.get_buffer('numba')['node'] is bp.drivers.GeneralNodeDriver


def test_custom_drivers_and_unknown_backends_are_refused():
    class MyDriver:
        pass

    with pytest.raises(bp.errors.BackendError, match=r"`net_driver`=.*MyDriver.* cannot be "
                                                     r"used: .* bp.drivers.GeneralNetDriver"):
        bp.drivers.set_buffer('numpy', net_driver=MyDriver)
    with pytest.raises(bp.errors.BackendError, match=r"`backend`='cuda' is not a known"):
        bp.drivers.set_buffer('cuda', node_driver=bp.drivers.GeneralNodeDriver)

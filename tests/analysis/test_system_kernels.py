"""ReducedSystem.kernels: the compiled kernel module is built once per system, as documented."""

import workbench as bp


def fitzhugh_nagumo(V, w, t, Iext, a=0.7, b=0.8, tau=12.5):
    dV = V - V * V * V / 3 - w + Iext
    dw = (V + a - b * w) / tau
    return dV, dw


def test_the_kernel_module_is_built_once_and_kept():
    analyzer = bp.analysis.PhasePlane(fitzhugh_nagumo, target_vars={"V": [-3, 3], "w": [-1, 3]},
                                      pars_update={"Iext": 0.5}, options={"verbose": False})
    system = analyzer.system
    first = system.kernels()
    assert first is not None and hasattr(first, "rk4_chunk") and hasattr(first, "newton_equilibria")
    assert system.kernels() is first
    system.set_constants({"Iext": 0.8})
    assert system.kernels() is first          # constants are arguments: nothing is rebuilt

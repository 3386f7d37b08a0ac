"""The engine's compiled COBA network equals a hand-written numba loop, spike for spike.

``coba_handwritten.py`` writes each ch. 6 synapse variant as explicit index loops
(the reference of ``benchmarks/coba.py``); the engine runs the manual's classes
unchanged. Same connectivity, same initial potentials, same arithmetic in the same
order: the spike trains and the final potentials must be identical, not close.
"""

import numpy as np
import pytest

import workbench as bp

from . import coba_handwritten as hw
from . import manual_models as mm

SIZES = dict(n_exc=400, n_inh=100, prob=0.05, seed=21)
STEPS = 600                                     # 60 ms: a few hundred spikes per population


@pytest.mark.parametrize("variant", hw.VARIANTS)
def test_engine_spikes_equal_the_hand_written_loop(variant):
    bp.backend.set("numba", dt=hw.DT)
    _, net, E, I = mm.run_net(mm.CobaLIF, getattr(mm, variant), duration=STEPS * hw.DT,
                              **SIZES)
    reference = hw.Handwritten(variant, **SIZES)
    _, rec_e, rec_i = reference.simulate(0., STEPS)
    assert rec_e.sum() > 100 and rec_i.sum() > 20        # the network is active
    np.testing.assert_array_equal(E.mon.spike, rec_e)
    np.testing.assert_array_equal(I.mon.spike, rec_i)
    np.testing.assert_array_equal(E.V, reference.V_e)


def test_a_wrong_hand_written_loop_is_detected():
    """The comparison can fail: a reference with another weight gives other spikes."""
    bp.backend.set("numba", dt=hw.DT)
    _, net, E, I = mm.run_net(mm.CobaLIF, mm.SynVec5, duration=STEPS * hw.DT, **SIZES)
    reference = hw.Handwritten("SynVec5", **SIZES)
    reference.syn_params = (reference.syn_params[0], reference.syn_params[1] * 1.01) + \
        reference.syn_params[2:]
    _, rec_e, _ = reference.simulate(0., STEPS)
    assert not np.array_equal(E.mon.spike, rec_e)

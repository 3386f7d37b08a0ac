import math

import numpy as np
import pytest
import sympy

import workbench as bp
from workbench.symbolic import SymbolicError, to_sympy

a = 0.7
b = 0.8
tau = 12.5


def int_fhn(V, w, t, Iext):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw


def test_fhn_with_global_constants_kept_as_symbols():
    sf = to_sympy(int_fhn)
    assert sf.variables == ('V', 'w') and sf.parameters == ('Iext',) and sf.t == 't'
    assert sf.constants == {'a': 0.7, 'b': 0.8, 'tau': 12.5}
    V, w, Iext = (sf.symbols[k] for k in ('V', 'w', 'Iext'))
    dV, dw = sf.substituted()
    assert sympy.simplify(dV - (V - V ** 3 / 3 - w + Iext)) == 0
    assert sympy.simplify(dw - (V + 0.7 - 0.8 * w) / 12.5) == 0
    # a global can be varied like a parameter (manual ch. 4 codim-2 varies `a`)
    dw_a = sf.substituted({'a': 0.5})[1]
    assert float(dw_a.subs({V: 0, w: 0})) == pytest.approx(0.5 / 12.5)


class HH:
    def integral(self, V, m, h, n, t, Iext):
        alpha = 0.1 * (V + 40) / (1 - bp.ops.exp(-(V + 40) / 10))
        beta = 4.0 * bp.ops.exp(-(V + 65) / 18)
        dmdt = alpha * (1 - m) - beta * m
        alpha = 0.07 * np.exp(-(V + 65) / 20.)
        beta = 1 / (1 + math.exp(-(V + 35) / 10))
        dhdt = alpha * (1 - h) - beta * h
        alpha = 0.01 * (V + 55) / (1 - bp.ops.exp(-(V + 55) / 10))
        beta = 0.125 * bp.ops.exp(-(V + 65) / 80)
        dndt = alpha * (1 - n) - beta * n
        I_Na = (self.gNa * m ** 3 * h) * (V - self.ENa)
        I_K = (self.gK * n ** 4.0) * (V - self.EK)
        I_leak = self.gL * (V - self.EL)
        dVdt = (- I_Na - I_K - I_leak + Iext) / self.C
        return dVdt, dmdt, dhdt, dndt


def test_method_with_self_attributes_and_three_exp_spellings():
    sf = to_sympy(HH.integral)
    assert sf.variables == ('V', 'm', 'h', 'n') and sf.parameters == ('Iext',)
    assert set(sf.self_attributes) == {'gNa', 'ENa', 'gK', 'EK', 'gL', 'EL', 'C'}
    V, m = sf.symbols['V'], sf.symbols['m']
    dmdt = sf.expressions[1]
    # dm/dt is linear in m with coefficient -(alpha_m + beta_m)
    coeff = sympy.diff(dmdt, m)
    val = float(coeff.subs(V, -65.0))
    alpha = 0.1 * (-25) / (1 - math.exp(2.5))     # alpha_m(-65)
    beta = 4.0
    assert val == pytest.approx(-(alpha + beta))
    # the integral n**4.0 is read as an integer power
    dV = sf.expressions[0]
    assert sympy.Symbol('self.gK', real=True) in dV.free_symbols
    assert sympy.degree(sympy.expand(dV), sf.symbols['n']) == 4
    # SymPy prints the attribute symbols back as valid Python
    assert 'self.gNa' in sympy.pycode(dV)


def rate(V):
    return 0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10))


def with_helper(m, t, V=-30.):
    return rate(V) * (1 - m)


def system(xy, t, k):
    return np.array([k * xy, -xy])


def test_helper_functions_are_inlined_and_array_returns_are_split():
    sf = to_sympy(with_helper)
    assert sf.parameters == ('V',)
    value = float(sf.expressions[0].subs({sf.symbols['V']: -30.0, sf.symbols['m']: 0.0}))
    assert value == pytest.approx(rate(-30.0))
    sf2 = to_sympy(system)
    assert len(sf2.expressions) == 2


def branching(x, t):
    if x > 0:
        return -x
    return x


def loop(x, t):
    s = 0
    for i in range(3):
        s += x
    return s


def no_time(x, y):
    return x, y


def unknown_call(x, t):
    return np.random.normal(x)


def test_unsupported_functions_raise_symbolic_error_naming_the_line():
    with pytest.raises(SymbolicError, match=r"branching\(\).*line 2.*`If`"):
        to_sympy(branching)
    with pytest.raises(SymbolicError, match=r"`For` statement"):
        to_sympy(loop)
    with pytest.raises(SymbolicError, match=r"no time argument `t`.*\['x', 'y'\]"):
        to_sympy(no_time)
    with pytest.raises(SymbolicError, match=r"np.random.normal\(x\)"):
        to_sympy(unknown_call)
    with pytest.raises(ValueError, match="source lines hold 2"):   # a ValueError subclass
        to_sympy((lambda x, t: -x, lambda x, t: x)[0])


def test_lambdas_are_read_when_their_source_line_holds_one():
    sf = to_sympy(lambda V, t, I, tau=10.: (-V + I) / tau)
    assert sf.variables == ('V',) and sf.parameters == ('I', 'tau')
    V, I, tau = (sf.symbols[k] for k in ('V', 'I', 'tau'))
    assert sympy.simplify(sf.expressions[0] - (-V + I) / tau) == 0


def test_substituted_rejects_unknown_names():
    with pytest.raises(SymbolicError, match="'c' is not a symbol of int_fhn"):
        to_sympy(int_fhn).substituted({'c': 1.0})

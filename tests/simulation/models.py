"""Models used by the simulation tests (kept in a file: the numba backend compiles from source).

The LIF here is the manual's chapter-3 model with its integrator written out as
one explicit Euler step, so these tests do not depend on ``bp.odeint``.
"""

import numpy as np

import workbench as bp

DT = 0.1
REF_TIME = 5.0      # read as a module constant by CobaLIF (a run-time argument when compiled)
V_THRESHOLD = -50.0


class EulerLIF(bp.NeuGroup):
    """Manual ch. 3.1.1 LIF, with ``int_V`` replaced by one Euler step of dt = 0.1."""

    target_backend = ["numpy", "numba"]

    def __init__(self, size, t_refractory=1., V_rest=0., V_reset=-5., V_th=20., R=1., tau=10.,
                 **kwargs):
        self.V_rest = V_rest
        self.V_reset = V_reset
        self.V_th = V_th
        self.R = R
        self.tau = tau
        self.t_refractory = t_refractory
        self.t_last_spike = bp.ops.ones(size) * -1e7
        self.refractory = bp.ops.zeros(size)
        self.input = bp.ops.zeros(size)
        self.spike = bp.ops.zeros(size)
        self.V = bp.ops.ones(size) * V_reset
        super(EulerLIF, self).__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.size[0]):
            if _t - self.t_last_spike[i] <= self.t_refractory:
                self.refractory[i] = 1.
            else:
                self.refractory[i] = 0.
                V = self.V[i] + DT * (-(self.V[i] - self.V_rest) + self.R * self.input[i]) / \
                    self.tau
                if V >= self.V_th:
                    self.V[i] = self.V_reset
                    self.spike[i] = 1.
                    self.t_last_spike[i] = _t
                else:
                    self.spike[i] = 0.
                    self.V[i] = V
                self.input[i] = 0.


class CobaLIF(bp.NeuGroup):
    """Manual ch. 6 LIF (Euler written out); reads module constants REF_TIME and V_THRESHOLD."""

    target_backend = ["numpy", "numba"]

    def __init__(self, size, drive=20., **kwargs):
        self.drive = drive
        self.V = bp.ops.zeros(size)
        self.spike = bp.ops.zeros(size)
        self.input = bp.ops.zeros(size)
        self.t_last_spike = bp.ops.ones(size) * -1e7
        super(CobaLIF, self).__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.spike[i] = 0.
            if (_t - self.t_last_spike[i]) > REF_TIME:
                V = self.V[i] + DT * (self.input[i] - 60. - self.V[i]) / 20.
                if V >= V_THRESHOLD:
                    self.V[i] = -60.
                    self.spike[i] = 1.
                    self.t_last_spike[i] = _t
                else:
                    self.V[i] = V
            self.input[i] = self.drive


class SliceSyn(bp.TwoEndConn):
    """Manual ch. 6 SynVec5 (pre_slice / post_ids), Euler decay written out."""

    target_backend = ["numpy", "numba"]

    def __init__(self, pre, post, conn, tau, weight, E, **kwargs):
        self.tau = tau
        self.weight = weight
        self.E = E
        self.pre_slice, self.post_ids = conn["pre_slice"], conn["post_ids"]
        self.g = bp.ops.zeros(post.num)
        super(SliceSyn, self).__init__(pre=pre, post=post, **kwargs)

    def update(self, _t):
        self.g = self.g - DT * self.g / self.tau
        for pre_i in range(self.pre.num):
            if self.pre.spike[pre_i]:
                start, end = self.pre_slice[pre_i]
                for post_i in self.post_ids[start: end]:
                    self.g[post_i] += self.weight
        self.post.input += self.g * (self.E - self.post.V)


class ListSyn(bp.TwoEndConn):
    """Manual ch. 6 SynVec3 (a pre2post list), Euler decay written out."""

    target_backend = ["numpy", "numba"]

    def __init__(self, pre, post, conn, tau, weight, E, **kwargs):
        self.tau = tau
        self.weight = weight
        self.E = E
        self.pre2post = conn["pre2post"]
        self.g = bp.ops.zeros(post.num)
        super(ListSyn, self).__init__(pre=pre, post=post, **kwargs)

    def update(self, _t):
        self.g = self.g - DT * self.g / self.tau
        for pre_i in range(self.pre.num):
            if self.pre.spike[pre_i]:
                for post_i in self.pre2post[pre_i]:
                    self.g[post_i] += self.weight
        self.post.input += self.g * (self.E - self.post.V)


class Counter(bp.NeuGroup):
    """Counts steps; records the arguments it received; a scalar attribute it writes."""

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, **kwargs)   # super() first, attributes after
        self.count = bp.ops.zeros(self.num)
        self.last_t = bp.ops.zeros(1)
        self.last_i = bp.ops.zeros(1)
        self.last_dt = bp.ops.zeros(1)
        self.total = 0              # a number a step assigns to
        self.increment = 1.

    def update(self, _dt, _i, _t):
        for k in range(self.num):
            self.count[k] += self.increment
        self.last_t[0] = _t
        self.last_i[0] = _i
        self.last_dt[0] = _dt
        self.total += 1


class Periodic(bp.NeuGroup):
    """A step decorated with @bp.every(time=1.)."""

    def __init__(self, **kwargs):
        self.ticks = bp.ops.zeros(1)
        self.tick_times = bp.ops.zeros(1000)
        super().__init__(size=1, **kwargs)

    @bp.every(time=1.)
    def update(self, _t):
        n = int(self.ticks[0])
        self.tick_times[n] = _t
        self.ticks[0] += 1.


class DelayProbe(bp.TwoEndConn):
    """Pushes the pre-synaptic spikes into a delay; ``arrived`` holds what is pulled."""

    def __init__(self, pre, post, delay, **kwargs):
        self.arrived = bp.ops.zeros(pre.num)
        self.buffer = self.register_constant_delay('buffer', size=pre.num, delay_time=delay)
        super().__init__(pre=pre, post=post, **kwargs)

    def update(self, _t):
        self.buffer.push(self.pre.spike)
        self.arrived = self.buffer.pull()


class Pulse(bp.NeuGroup):
    """spike[0] = 1 exactly at step ``fire_step``, else 0."""

    def __init__(self, fire_step, **kwargs):
        self.fire_step = fire_step
        self.spike = bp.ops.zeros(1)
        super().__init__(size=1, **kwargs)

    def update(self, _i):
        self.spike[0] = 1. if _i == self.fire_step else 0.


class Exploder(bp.NeuGroup):
    """x grows by a factor 1e100 per step: 1e100, 1e200, 1e300, then inf - inf = NaN at step 3."""

    def __init__(self, **kwargs):
        self.x = bp.ops.ones(3)
        self.never = bp.ops.ones(3) * -np.inf       # legitimately infinite from the start
        super().__init__(size=3, **kwargs)

    def update(self, _t):
        for i in range(3):
            self.x[i] = self.x[i] * 1e100
            if self.x[i] > 1e305:
                self.x[i] = self.x[i] - self.x[i]


class Raiser(bp.NeuGroup):
    """Divides by zero (a Python ZeroDivisionError) once _t reaches ``when``."""

    def __init__(self, when, **kwargs):
        self.when = when
        self.y = bp.ops.zeros(1)
        self.denominator = 1.
        super().__init__(size=1, **kwargs)

    def update(self, _t):
        if _t >= self.when:
            self.denominator = 0.
        self.y[0] = 1. / self.denominator


class MethodCaller(bp.NeuGroup):
    """Calls another method from its step: not compilable, runs in Python with a warning."""

    def __init__(self, **kwargs):
        self.x = bp.ops.zeros(2)
        super().__init__(size=2, **kwargs)

    def helper(self):
        return 1.

    def update(self, _t):
        self.x += self.helper()


class Rebinder(bp.NeuGroup):
    """Array-style model: rebinds attributes to new arrays (self.x = expr)."""

    target_backend = "general"

    def __init__(self, size, **kwargs):
        self.x = bp.ops.zeros(size)
        self.flag = bp.ops.zeros(size)
        self.input = bp.ops.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        x = self.x + DT * (self.input - self.x)
        self.flag = (self.x < 0.5) * (x >= 0.5)
        self.x = x
        self.input[:] = 0.

"""The plan of one run: time window, inputs, schedule items, monitor storage.

A :class:`RunPlan` is what an executor (:mod:`workbench.simulation.executor`)
runs. Its *structure* (:meth:`RunPlan.structure_key`) decides the generated
code; its values (state, parameters, input values, times) are run-time data.
"""

import math
import numbers

import numpy as np

from ..backend import settings
from ..backend.jit import options_key
from ..errors import ModelError
from .inputs import parse_inputs
from .nodes.base import check_backend_support
from .nodes.records import check_memory
from .schedule import resolve_schedule

__all__ = ["RunPlan", "time_window"]


def time_window(duration, dt):
    """Start time and number of steps of a run.

    Parameters
    ----------
    duration : float or tuple
        A length in ms (start 0), or ``(start, end)``.
    dt : float
        The time step.

    Returns
    -------
    start : float
    n_steps : int
        ``ceil((end - start) / dt)`` with a tolerance for rounding (so 100 ms at
        dt = 0.1 gives 1000 steps).

    Raises
    ------
    ModelError
        If the duration is not a positive length or an increasing pair.
    """
    if isinstance(duration, numbers.Real) and not isinstance(duration, bool):
        start, end = 0.0, float(duration)
    elif isinstance(duration, (tuple, list)) and len(duration) == 2 and \
            all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in duration):
        start, end = float(duration[0]), float(duration[1])
    else:
        raise ModelError(f"`duration`={duration!r} must be a length in ms or a (start, end) "
                         f"pair of times.")
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        raise ModelError(f"`duration`={duration!r} must end after it starts (and be finite).")
    n_steps = int(math.ceil((end - start) / dt - 1e-9))
    return start, max(n_steps, 1)


class RunPlan:
    """Everything one run needs: nodes, schedule items, inputs, monitor storage, times.

    Attributes
    ----------
    host : DynamicalSystem or Network
    nodes : list of DynamicalSystem
    items : list of ScheduleItem
    inputs : list of InputSpec
    records : list of (DynamicalSystem, MonitorRecord)
    t0 : float
        Start time.
    dt : float
    n_steps : int
    ts : numpy.ndarray
        Times of the steps, ``t0 + arange(n_steps) * dt``.
    backend : str
    """

    def __init__(self, host, duration, inputs):
        self.host = host
        nodes = host._nodes()
        if not nodes:
            raise ModelError(f"{host.describe()} has no nodes to run.")
        for node in nodes:
            node._check_initialized()
        self.backend = settings.get_backend()
        for node in nodes:
            check_backend_support(type(node), self.backend)
        self.nodes = nodes
        self.dt = settings.get_dt()
        self.t0, self.n_steps = time_window(duration, self.dt)
        self.ts = self.t0 + np.arange(self.n_steps) * self.dt
        for node in nodes:
            for delay in node.__dict__.get("_delays", {}).values():
                delay.set_dt(self.dt)
        self.inputs = parse_inputs(inputs, host, nodes, self.n_steps)
        self.items = resolve_schedule(host, nodes)
        # all monitors' dense rows together must fit, not only each object's
        dense = [(node, node.mon.dense_nbytes(node, self.ts, self.dt)) for node in nodes]
        check_memory(sum(n for _, n in dense), "Monitoring " + "; ".join(
            f"{', '.join(node.mon.variables)} of {node.describe()}" for node, n in dense if n)
            + f" for {self.n_steps} steps")
        self.records = [(node, record) for node in nodes
                        for record in node.mon.prepare(node, self.ts, self.dt)]

    def structure_key(self):
        """What an executor's generated code depends on (values excluded).

        Returns
        -------
        tuple
        """
        # dt: integrators that follow the backend's dt are compiled into the code with its value;
        # the numba options (bp.backend.set_numba_profile) shape the machine code
        return (self.backend,
                options_key() if settings.is_numba_backend(self.backend) else None, self.dt,
                tuple(id(node) for node in self.nodes),
                tuple(item.structure for item in self.items),
                tuple(spec.structure for spec in self.inputs),
                tuple((id(node), r.key, r.index is None, r.period_steps == 1) + r.structure
                      for node, r in self.records))

    def begin_chunk(self, i_start):
        """Let the monitor records forget rows from step ``i_start`` on (a chunk starts there).

        Parameters
        ----------
        i_start : int
        """
        for _, record in self.records:
            record.rewind(-(-i_start // record.period_steps))

    def rows_of_chunk(self, i_start, i_end):
        """A function giving the slice of monitor rows written by steps [i_start, i_end).

        Parameters
        ----------
        i_start, i_end : int

        Returns
        -------
        callable
        """
        def rows(record):
            p = record.period_steps
            return slice(-(-i_start // p), -(-i_end // p))
        return rows

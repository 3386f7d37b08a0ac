"""Live network simulations: raster, population rate and one neuron's voltage, re-run on slider moves.

The network is compiled once; every slider move restores the initial state, sets the
new parameter values and runs again in repeat mode (``bp.jit_compilations()`` stays
unchanged). Long runs report progress, and a newer slider move stops an outdated run
at its next progress report.
"""

from dataclasses import dataclass, field

import numpy as np

from ..controls import ControlSpec, duration_spec, specs_from_pars
from ..render import LegendMarks, RasterMarks, TraceMarks, axis_label, make_figure, set_range
from .base import Panel

__all__ = ["NetworkPanel", "RasterPanel", "NetworkRun", "StateSnapshot"]

#: Colours of the populations in the raster, in order (Okabe-Ito vermillion, blue, green, ...).
_GROUP_COLORS = [(213, 94, 0), (0, 114, 178), (0, 158, 115), (204, 121, 167), (230, 159, 0)]


@dataclass(frozen=True, eq=False)
class NetworkRun:
    """What one simulation produced, copied out of the monitors.

    Attributes
    ----------
    ts : numpy.ndarray
        Time of every monitored step.
    spikes : dict
        ``{group label: {'times': array, 'indices': array, 'n_neurons': int}}``
        (from ``bp.measure.raster_plot``).
    rates : dict
        ``{group label: array}``: population rate in Hz (``bp.measure.firing_rate``).
    voltage : dict or None
        ``{'group': label, 'variable': name, 'ts': array, 'neurons': array of neuron
        indices, 'values': array (steps, len(neurons))}``.
    params : dict
        The parameter values of the run.
    run_time : float
        Seconds the simulation took (compilation excluded).
    """

    ts: np.ndarray
    spikes: dict
    rates: dict
    voltage: object
    params: dict = field(default_factory=dict)
    run_time: float = 0.0

    @property
    def spike_count(self):
        """int: all spikes of all groups."""
        return int(sum(len(s["times"]) for s in self.spikes.values()))


class StateSnapshot:
    """The numeric state arrays of a network's objects, to start every run from the same state.

    Arrays are restored in place (compiled loops keep their references) and
    constant delays are cleared.

    Parameters
    ----------
    nodes : iterable of DynamicalSystem
    """

    def __init__(self, nodes):
        from workbench.simulation.nodes.delays import ConstantDelay
        from workbench.simulation.nodes.monitors import numeric_attributes

        self.arrays = []
        self.delays = []
        for node in nodes:
            for name in numeric_attributes(node, arrays_only=True):
                self.arrays.append((node, name, np.array(getattr(node, name), copy=True)))
            self.delays += [value for value in vars(node).values()
                            if isinstance(value, ConstantDelay)]

    def restore(self):
        """Put every saved array back and clear the delays."""
        for node, name, saved in self.arrays:
            current = getattr(node, name, None)
            if isinstance(current, np.ndarray) and current.shape == saved.shape \
                    and current.dtype == saved.dtype:
                current[...] = saved
            else:
                setattr(node, name, saved.copy())
        for delay in self.delays:
            delay.reset()


def _resolve_target(network, target, parameter):
    """``(object, attribute)`` from ``(obj, 'attr')`` or ``'node.attr'``."""
    if isinstance(target, tuple) and len(target) == 2 and isinstance(target[1], str):
        obj, attribute = target
    elif isinstance(target, str) and "." in target:
        node_name, attribute = target.split(".", 1)
        if node_name not in network.all_nodes:
            raise ValueError(f"parameter {parameter!r}: {target!r} names no node of the network; "
                             f"the nodes are {sorted(network.all_nodes)}")
        obj = network.all_nodes[node_name]
    else:
        raise ValueError(f"parameter {parameter!r}: target {target!r} must be 'node.attribute' "
                         "or (object, 'attribute')")
    if not hasattr(obj, attribute):
        raise ValueError(f"parameter {parameter!r}: {obj!r} has no attribute {attribute!r}")
    return obj, attribute


class NetworkPanel(Panel):
    """A network simulation re-run live: raster, population rates and a neuron's voltage.

    Parameters
    ----------
    network : bp.Network or DynamicalSystem
        Compiled on the first run; later runs reuse the compiled loop.
    duration : float
        Simulated time per run (ms); also a slider (a tenth to four times).
    pars : dict, optional
        ``{name: (value, min, max)}`` sliders.
    apply : dict or callable, optional
        Where slider values go: ``{name: target or [targets]}`` with targets
        ``'node.attribute'`` or ``(object, 'attribute')``; or a function
        ``apply(values)``. Default: slider names are ``'node.attribute'``.
    groups : dict, optional
        ``{label: neuron group}`` drawn in the raster (bottom up) and the rate plot;
        each must monitor ``'spike'``. Default: every node monitoring ``'spike'``.
    voltage : (label, variable), optional
        Group label and monitored variable of the voltage trace (e.g. ``('E', 'V')``);
        a ``neuron`` slider chooses among the recorded neurons.
    inputs : tuple or list, optional
        ``inputs`` of ``network.run``.
    reset : callable, bool, optional
        Before each run: ``True`` (default) restores the state arrays saved when
        the panel was made; a function is called instead; ``False`` continues from
        the previous state.
    rate_width : float, optional
        Width (ms) of the Gaussian window of the population rate.
    units : dict, optional
        ``{variable: unit}`` for the voltage axis (default mV) and ``'t'``.
    title : str, optional
    threaded : bool, optional

    Attributes
    ----------
    network : bp.Network
    result : NetworkRun
    """

    def __init__(self, network, duration, pars=None, apply=None, groups=None, voltage=None,
                 inputs=(), reset=True, rate_width=5.0, units=None, title=None, threaded=True):
        from workbench.simulation import Network

        self.network = network if isinstance(network, Network) else Network(network)
        nodes = list(self.network.all_nodes.values())
        self.groups = dict(groups) if groups is not None else {
            node.name: node for node in nodes if "spike" in node.mon.variables}
        if not self.groups:
            raise ValueError("no neuron group monitors 'spike'; create the groups with "
                             "monitors=['spike', ...] or pass `groups`")
        for label, group in self.groups.items():
            if "spike" not in group.mon.variables:
                raise ValueError(f"group {label!r} does not monitor 'spike'; add it to its "
                                 "`monitors`")
        self.voltage = voltage
        if voltage is not None:
            label, variable = voltage
            if label not in self.groups:
                raise ValueError(f"`voltage`={voltage!r}: {label!r} is not one of the groups "
                                 f"{sorted(self.groups)}")
            if variable not in self.groups[label].mon.variables:
                raise ValueError(f"`voltage`={voltage!r}: group {label!r} does not monitor "
                                 f"{variable!r}")
        specs = specs_from_pars(pars, reserved=("duration", "neuron"))
        self.units = dict(units or {})
        time_control = duration_spec(duration, self.units.get("t", "ms"),
                                     "simulated time of each run")
        self.parameter_names = tuple(spec.name for spec in specs)
        self._appliers = self._make_appliers(apply, self.parameter_names)
        self.inputs = inputs
        self.rate_width = float(rate_width)
        self.snapshot = StateSnapshot(nodes) if reset is True else None
        self.reset_state = reset if callable(reset) else None
        specs.append(time_control)
        if voltage is not None:
            n_recorded = self._recorded_neurons(voltage).size
            specs.append(ControlSpec("neuron", 0, 0, max(n_recorded - 1, 1),
                                     description=f"which recorded neuron of {voltage[0]} to "
                                                 "show (no re-run)"))
        self._sim_key = None
        self._last_run = None
        figures = self._make_figures(float(duration))
        super().__init__(specs, figures, title=title or "Network", export_name="network",
                         threaded=threaded, cancellable=True)
        self.refresh()
        self.wait(None)

    # -- construction -------------------------------------------------------------------
    def _make_appliers(self, apply, names):
        if callable(apply):
            return apply
        mapping = dict(apply or {})
        unknown = set(mapping) - set(names)
        if unknown:
            raise ValueError(f"`apply` names {sorted(unknown)} that are not sliders "
                             f"(the sliders are {list(names)})")
        targets = {}
        for name in names:
            given = mapping.get(name, name)
            items = given if isinstance(given, list) else [given]
            targets[name] = [_resolve_target(self.network, t, name) for t in items]
        return targets

    def _recorded_neurons(self, voltage):
        """Neuron indices recorded for ``voltage`` (all neurons when the monitor has no index)."""
        label, variable = voltage
        group = self.groups[label]
        # The monitor keeps its parsed {name: index or None}; there is no public accessor yet.
        index = group.mon._specs.get(variable)
        return np.arange(group.num) if index is None else np.asarray(index, dtype=np.int64)

    def _make_figures(self, duration):
        total = sum(group.num for group in self.groups.values())
        raster_fig, scales = make_figure((0.0, duration), (0.0, total),
                                         axis_label("t", self.units.get("t", "ms")), "neuron",
                                         title="spike raster: " + ", ".join(self.groups),
                                         height="380px", css_class="wb-raster")
        self.raster = RasterMarks(scales)
        raster_fig.marks = self.raster.marks
        colors = ["#%02x%02x%02x" % _GROUP_COLORS[i % len(_GROUP_COLORS)]
                  for i in range(len(self.groups))]
        rate_fig, rate_scales = make_figure((0.0, duration), (0.0, 10.0),
                                            axis_label("t", self.units.get("t", "ms")),
                                            "rate (Hz)", height="200px", css_class="wb-rate")
        self.rates = TraceMarks(rate_scales, colors, labels=list(self.groups))
        rate_fig.marks = self.rates.marks
        self.rate_legend = LegendMarks(rate_fig, self.rates.lines)
        self.raster_legend = LegendMarks(raster_fig, [(f"\u25a0 {label}", color) for label, color
                                                      in zip(self.groups, colors)])
        self.time_scales = [scales["x"], rate_scales["x"]]
        self.rate_scale = rate_scales["y"]
        figures = {"raster": raster_fig, "rate": rate_fig}
        if self.voltage is not None:
            label, variable = self.voltage
            v_fig, v_scales = make_figure((0.0, duration), (-80.0, -40.0),
                                          axis_label("t", self.units.get("t", "ms")),
                                          axis_label(variable, self.units.get(variable, "mV")),
                                          height="200px", css_class="wb-voltage")
            self.trace = TraceMarks(v_scales, ["#333333"])
            v_fig.marks = self.trace.marks
            self.time_scales.append(v_scales["x"])
            self.voltage_scale = v_scales["y"]
            figures["voltage"] = v_fig
        right = max(figure.fig_margin["right"] for figure in figures.values())
        for figure in figures.values():           # the time axes line up
            figure.fig_margin = dict(figure.fig_margin, right=right)
        return figures

    # -- engine -------------------------------------------------------------------------
    def _apply(self, values):
        if callable(self._appliers):
            self._appliers(values)
            return
        for name, targets in self._appliers.items():
            for obj, attribute in targets:
                setattr(obj, attribute, values[name])

    def compute(self, params, token):
        """Restore the state, set the parameters and run (skipped when only the neuron changed).

        Returns
        -------
        NetworkRun
        """
        key = tuple(sorted((k, v) for k, v in params.items() if k != "neuron"))
        if key == self._sim_key and self._last_run is not None:
            return self._last_run
        self._sim_key = None
        if self.snapshot is not None:
            self.snapshot.restore()
        elif self.reset_state is not None:
            self.reset_state()
        values = {name: params[name] for name in self.parameter_names}
        self._apply(values)
        run_time = self.network.run(params["duration"], inputs=self.inputs,
                                    progress=token.progress, report_percent=0.1)
        run = self._collect(values, run_time)
        self._sim_key, self._last_run = key, run
        return run

    def _collect(self, values, run_time):
        from workbench import measure

        spikes, rates, ts = {}, {}, None
        for label, group in self.groups.items():
            # events when the monitor records them: no (steps, neurons) matrix is made
            matrix = group.mon.spike_events if group.mon.records_events("spike") \
                else group.mon.spike
            times_of_rows = getattr(group.mon, "spike_t", group.mon.ts)
            indices, times = measure.raster_plot(matrix, times_of_rows)
            spikes[label] = {"times": np.array(times), "indices": np.array(indices),
                             "n_neurons": int(group.num), "t0": float(times_of_rows[0]),
                             "dt": float(times_of_rows[1] - times_of_rows[0])
                             if len(times_of_rows) > 1 else 1.0,
                             "n_steps": int(len(times_of_rows))}
            rates[label] = np.asarray(measure.firing_rate(matrix, self.rate_width), dtype=float)
            ts = np.array(times_of_rows) if ts is None else ts
        voltage = None
        if self.voltage is not None:
            label, variable = self.voltage
            group = self.groups[label]
            values_v = np.array(getattr(group.mon, variable), dtype=float)
            voltage = {"group": label, "variable": variable,
                       "ts": np.array(getattr(group.mon, f"{variable}_t", group.mon.ts)),
                       "neurons": self._recorded_neurons(self.voltage),
                       "values": values_v.reshape(len(values_v), -1)}
        return NetworkRun(ts=ts, spikes=spikes, rates=rates, voltage=voltage, params=dict(values),
                          run_time=float(run_time))

    # -- drawing ------------------------------------------------------------------------
    def render(self, run):
        """Redraw raster, rates and the chosen neuron's voltage."""
        duration = float(self.params["duration"])
        t_start = float(run.ts[0]) if len(run.ts) else 0.0
        for scale in self.time_scales:
            set_range(scale, t_start, t_start + duration)
        groups = []
        for i, (label, spikes) in enumerate(run.spikes.items()):
            steps = np.rint((spikes["times"] - spikes["t0"]) / spikes["dt"]).astype(np.int64)
            groups.append({"steps": steps, "neurons": spikes["indices"],
                           "n_steps": spikes["n_steps"], "n_neurons": spikes["n_neurons"],
                           "color": _GROUP_COLORS[i % len(_GROUP_COLORS)]})
        self.raster.update((t_start, t_start + duration), groups)
        peak = max((float(np.max(rate)) for rate in run.rates.values() if len(rate)), default=0.0)
        _follow(self.rate_scale, 0.0, peak)
        self.rates.update([(run.ts, run.rates[label]) for label in self.groups])
        if run.voltage is not None:
            column = min(int(self.params.get("neuron", 0)), run.voltage["values"].shape[1] - 1)
            trace = run.voltage["values"][:, column]
            finite = trace[np.isfinite(trace)]
            if finite.size:
                _follow(self.voltage_scale, float(finite.min()), float(finite.max()))
            self.trace.update([(run.voltage["ts"], trace)])

    def describe(self, run, params):
        """Parameters, spike counts and mean rates."""
        head = ", ".join(f"{n}={params[n]:.4g}" if isinstance(params[n], float) else
                         f"{n}={params[n]}" for n in self.parameter_names)
        duration_s = float(params["duration"]) / 1000.0
        counts = ", ".join(
            f"{label}: {len(s['times']):,} spikes ({len(s['times']) / s['n_neurons'] / duration_s:.1f} Hz)"
            for label, s in run.spikes.items())
        neuron = ""
        if run.voltage is not None:
            column = min(int(params.get("neuron", 0)), run.voltage["values"].shape[1] - 1)
            neuron = f"; {run.voltage['variable']} of {run.voltage['group']} neuron " \
                     f"{int(run.voltage['neurons'][column])}"
        text = f"{params['duration']:.4g} ms simulated in {1e3 * run.run_time:.0f} ms; {counts}{neuron}"
        return f"{head}: {text}" if head else text

    def export_tables(self):
        """Spikes (time, neuron) per group, rates, and the recorded voltages."""
        run = self.result
        tables = {}
        for label, spikes in run.spikes.items():
            tables[f"spikes_{label}"] = {"t": spikes["times"], "neuron": spikes["indices"]}
        tables["rates"] = {"t": run.ts, **{f"rate_{label}_Hz": r for label, r in run.rates.items()}}
        if run.voltage is not None:
            table = {"t": run.voltage["ts"]}
            for column, neuron in enumerate(run.voltage["neurons"]):
                table[f"{run.voltage['variable']}_{run.voltage['group']}_{int(neuron)}"] = \
                    run.voltage["values"][:, column]
            tables["voltage"] = table
        return tables


def _follow(scale, low, high, pad=0.1):
    """Keep a scale fixed while the data fit; re-fit it when they leave or shrink a lot."""
    span = max(high - low, 1e-9)
    current_low, current_high = float(scale.min), float(scale.max)
    fits = current_low <= low and high <= current_high
    too_loose = (current_high - current_low) > 4 * span + 1e-9
    if not fits or too_loose:
        set_range(scale, low - pad * span if low < 0 or low > 0 else 0.0, high + pad * span)


class RasterPanel(NetworkPanel):
    """A :class:`NetworkPanel` that shows the raster and the population rates only.

    Parameters
    ----------
    network, duration, pars, apply, groups, inputs, reset, rate_width, units, title, threaded
        As for :class:`NetworkPanel` (there is no voltage trace).
    """

    def __init__(self, network, duration, pars=None, apply=None, groups=None, inputs=(),
                 reset=True, rate_width=5.0, units=None, title=None, threaded=True):
        super().__init__(network, duration, pars=pars, apply=apply, groups=groups, voltage=None,
                         inputs=inputs, reset=reset, rate_width=rate_width, units=units,
                         title=title or "Raster", threaded=threaded)

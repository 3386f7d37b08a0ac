"""Connectivity preview: a connector's matrix, degree histograms and one neuron's weight map."""

import bqplot as bq
import ipywidgets as W
import numpy as np

from ..controls import ControlSpec, specs_from_pars
from ..drawing import block_density, degree_histogram
from ..render import BarMarks, MatrixMarks, axis_label, make_figure, set_range
from .base import Panel

__all__ = ["ConnectivityPanel"]


class ConnectivityPanel(Panel):
    """Live preview of a ``bp.connect`` connector with its parameters as sliders.

    Shows the connection matrix (block densities, at most ``max_cells`` blocks per
    axis), the out-degree of the pre-synaptic and the in-degree of the
    post-synaptic neurons, and the weights (or, for connectors without weights,
    the targets) of one chosen pre-synaptic neuron laid out on the post-synaptic
    geometry -- the manual's ``show_weight`` picture for ``GaussianWeight`` and
    ``DOG``. Changing the neuron only redraws; changing a connector parameter
    builds the connection again (compiled kernels are reused).

    Parameters
    ----------
    connector : callable
        ``connector(**fixed, **values)`` returns an (uncalled) connector, e.g. the
        class ``bp.connect.GaussianWeight`` or ``lambda s1, s2: bp.connect.DOG(
        sigmas=(s1, s2), ws_max=(1.0, 0.7))``.
    pre_size : int or tuple of int
        Size or geometry of the pre-synaptic group, e.g. ``(40, 40)``.
    post_size : int or tuple of int, optional
        Default: ``pre_size``.
    pars : dict, optional
        ``{name: (value, min, max)}`` (or any form :func:`~widgets.controls.as_spec`
        accepts): the connector's parameters shown as controls.
    fixed : dict, optional
        Keyword arguments passed unchanged (``{'w_min': 0.01, 'normalize': True}``).
    neuron : int, optional
        Initial pre-synaptic neuron of the weight map (default: the centre of the
        geometry).
    max_cells : int, optional
        Matrix blocks per axis at most.
    title : str, optional
    threaded : bool, optional
        See :class:`~widgets.panels.base.Panel`.

    Attributes
    ----------
    result : Connector
        The connector built for the current values (``pre_ids``, ``post_ids``,
        ``weights`` ...).

    Examples
    --------
    >>> panel = ConnectivityPanel(bp.connect.GaussianWeight, (40, 40),
    ...                           pars={'sigma': (0.1, 0.02, 0.4), 'w_max': (1.0, 0.1, 2.0)},
    ...                           fixed={'w_min': 0.01, 'normalize': True})  # doctest: +SKIP
    """

    def __init__(self, connector, pre_size, post_size=None, pars=None, fixed=None, neuron=None,
                 max_cells=200, title=None, threaded=True):
        from workbench.connect.base import geometry
        from workbench.sizes import size2len

        if not callable(connector):
            raise TypeError(f"`connector`={connector!r} must be a connector class or a function "
                            "returning a connector")
        self.make_connector = connector
        self.pre_size = geometry("pre_size", pre_size)
        self.post_size = geometry("post_size", pre_size if post_size is None else post_size)
        self.num_pre, self.num_post = size2len(self.pre_size), size2len(self.post_size)
        if self.num_pre < 1 or self.num_post < 1:
            raise ValueError(f"`pre_size`={pre_size!r} and `post_size`={post_size!r} must hold "
                             "at least one neuron each")
        self.fixed = dict(fixed or {})
        specs = specs_from_pars(pars, reserved=("neuron",))
        self.connector_pars = tuple(spec.name for spec in specs)
        clash = set(self.connector_pars) & set(self.fixed)
        if clash:
            raise ValueError(f"parameter(s) {sorted(clash)} appear in `pars` and in `fixed`; "
                             "give each once")
        if neuron is None:
            neuron = self._centre_neuron()
        if not 0 <= int(neuron) < self.num_pre:
            raise ValueError(f"`neuron`={neuron!r} is not a pre-synaptic neuron; choose 0 .. "
                             f"{self.num_pre - 1}")
        specs.append(ControlSpec("neuron", int(neuron), 0, max(self.num_pre - 1, 1),
                                 description="pre-synaptic neuron whose outgoing connections "
                                             "are mapped"))
        self.max_cells = int(max_cells)
        self._cache_key = None
        self._connector = None
        figures = self._make_figures()
        name = getattr(connector, "__name__", type(connector).__name__)
        if not name.isidentifier():           # '<lambda>' says nothing to a student
            name = "custom connector"
        super().__init__(specs, figures, title=title or f"Connector: {name}",
                         export_name="connectivity", threaded=threaded)
        self.refresh()
        self.wait()

    # -- figures ------------------------------------------------------------------------
    def _centre_neuron(self):
        if len(self.pre_size) == 2:
            height, width = self.pre_size
            return (height // 2) * width + width // 2
        return self.num_pre // 2

    def _make_figures(self):
        matrix_fig, scales = make_figure((0, self.num_post), (0, self.num_pre),
                                         "post-synaptic neuron", "pre-synaptic neuron",
                                         title="fraction of pairs connected",
                                         height="380px", css_class="wb-matrix", width="48%")
        self.matrix = MatrixMarks(scales, cmap="Blues")
        matrix_fig.marks = self.matrix.marks
        # the titles say what the colours mean; a colour-bar label would reach into the plot
        matrix_fig.axes = matrix_fig.axes + [self.matrix.color_axis()]
        matrix_fig.fig_margin = dict(matrix_fig.fig_margin, right=70)

        rows, cols = self._post_grid_shape()
        map_fig, map_scales = make_figure((-0.5, cols - 0.5), (-0.5, rows - 0.5),
                                          "post column" if rows > 1 else "post-synaptic neuron",
                                          "post row" if rows > 1 else "",
                                          title="weights of the chosen neuron",
                                          height="380px", css_class="wb-weight-map", width="48%")
        if rows == 1:                         # one row of post neurons: no y axis to read
            map_fig.axes[1].num_ticks = 0
            map_fig.axes[1].label = "targets"
        self.weight_map = MatrixMarks(map_scales, cmap="Blues")
        self.chosen = bq.Scatter(x=np.zeros(0), y=np.zeros(0), scales=map_scales, marker="cross",
                                 colors=["#D55E00"], default_size=80, labels=["chosen neuron"])
        map_fig.marks = self.weight_map.marks + [self.chosen]
        map_fig.axes = map_fig.axes + [self.weight_map.color_axis()]
        map_fig.fig_margin = dict(map_fig.fig_margin, right=70)

        out_fig, out_scales = make_figure((0, 1), (0, 1), axis_label("out-degree", "synapses"),
                                          "pre-synaptic neurons", height="260px",
                                          css_class="wb-out-degree", width="48%")
        self.out_bars = BarMarks(out_scales, color="#0072B2")
        out_fig.marks = self.out_bars.marks
        in_fig, in_scales = make_figure((0, 1), (0, 1), axis_label("in-degree", "synapses"),
                                        "post-synaptic neurons", height="260px",
                                        css_class="wb-in-degree", width="48%")
        self.in_bars = BarMarks(in_scales, color="#D55E00")
        in_fig.marks = self.in_bars.marks
        self.degree_scales = {"out": out_scales, "in": in_scales}
        return {"matrix": matrix_fig, "weights": map_fig, "out_degree": out_fig,
                "in_degree": in_fig}

    def layout_figures(self, figures):
        """Matrix and weight map side by side, degree histograms below."""
        row = W.Layout(flex_flow="row wrap")
        return W.VBox([W.HBox([figures["matrix"], figures["weights"]], layout=row),
                       W.HBox([figures["out_degree"], figures["in_degree"]], layout=row)])

    def _post_grid_shape(self):
        if len(self.post_size) == 2:
            return self.post_size
        return 1, self.num_post

    # -- engine -------------------------------------------------------------------------
    def compute(self, params, token):
        """Build the connector for the current parameters (reused when only the neuron moved).

        Parameters
        ----------
        params : dict
        token : RunToken

        Returns
        -------
        Connector
        """
        values = {name: params[name] for name in self.connector_pars}
        key = tuple(sorted(values.items()))
        if key != self._cache_key:
            connector = self.make_connector(**self.fixed, **values)
            self._connector = connector(self.pre_size, self.post_size)
            self._cache_key = key
        return self._connector

    def _outgoing(self, connector, neuron):
        """Targets and weights of one pre-synaptic neuron (ones without weights)."""
        pre_slice, post_ids = connector.requires("pre_slice", "post_ids")
        start, end = pre_slice[neuron]
        try:
            weights = np.asarray(connector.weights)[start:end]
        except AttributeError:
            weights = np.ones(end - start)
        return np.asarray(post_ids[start:end]), weights

    def _degrees(self, connector):
        pre_ids, post_ids = connector.requires("pre_ids", "post_ids")
        return (np.bincount(pre_ids, minlength=self.num_pre),
                np.bincount(post_ids, minlength=self.num_post))

    # -- drawing ------------------------------------------------------------------------
    def render(self, connector):
        """Redraw matrix, weight map and degree histograms."""
        pre_ids, post_ids = connector.requires("pre_ids", "post_ids")
        _, _, density = block_density(pre_ids, post_ids, self.num_pre, self.num_post,
                                      self.max_cells)
        self.matrix.update((0, self.num_post), (0, self.num_pre), density, 0.0,
                           max(1e-12, float(density.max())))

        neuron = int(self.params["neuron"])
        targets, weights = self._outgoing(connector, neuron)
        rows, cols = self._post_grid_shape()
        grid = np.zeros(rows * cols)
        np.add.at(grid, targets, weights)
        grid = grid.reshape(rows, cols)
        low, high = float(grid.min()), float(grid.max())
        if low < 0:                      # DOG: negative surround on a diverging map
            bound = max(abs(low), abs(high), 1e-12)
            self.weight_map.update((-0.5, cols - 0.5), (-0.5, rows - 0.5), grid, -bound, bound,
                                   cmap="RdBu_r")
        else:
            self.weight_map.update((-0.5, cols - 0.5), (-0.5, rows - 0.5), grid, 0.0,
                                   max(high, 1e-12), cmap="Blues")
        with self.chosen.hold_sync():
            if self.pre_size == self.post_size and len(self.pre_size) == 2:
                self.chosen.x, self.chosen.y = [neuron % cols], [neuron // cols]
            else:
                self.chosen.x, self.chosen.y = np.zeros(0), np.zeros(0)

        out_degree, in_degree = self._degrees(connector)
        for kind, degrees, bars in (("out", out_degree, self.out_bars),
                                    ("in", in_degree, self.in_bars)):
            centers, counts = degree_histogram(degrees)
            scales = self.degree_scales[kind]
            width = centers[1] - centers[0] if len(centers) > 1 else 1.0
            set_range(scales["x"], centers[0] - width, centers[-1] + width)
            set_range(scales["y"], 0.0, max(1.0, float(counts.max()) * 1.1))
            bars.update(centers, counts)

    def describe(self, connector, params):
        """Connector, sizes, synapse count and mean degree."""
        n_syn = len(connector.requires("pre_ids"))
        parameters = ", ".join(f"{name}={params[name]:.4g}" if isinstance(params[name], float)
                               else f"{name}={params[name]}" for name in self.connector_pars)
        return (f"{type(connector).__name__}({parameters}): {self.num_pre} -> {self.num_post} "
                f"neurons, {n_syn:,} synapses, mean out-degree {n_syn / self.num_pre:.1f}; "
                f"map of neuron {params['neuron']}")

    def export_tables(self):
        """Synapses (pre, post, weight), degrees and the weight map of the chosen neuron."""
        connector = self.result
        pre_ids, post_ids = connector.requires("pre_ids", "post_ids")
        synapses = {"pre": pre_ids, "post": post_ids}
        try:
            synapses["weight"] = np.asarray(connector.weights)
        except AttributeError:
            pass
        out_degree, in_degree = self._degrees(connector)
        targets, weights = self._outgoing(connector, int(self.params["neuron"]))
        return {"synapses": synapses,
                "out_degree": {"pre": np.arange(self.num_pre), "degree": out_degree},
                "in_degree": {"post": np.arange(self.num_post), "degree": in_degree},
                "chosen_neuron": {"post": targets, "weight": weights}}

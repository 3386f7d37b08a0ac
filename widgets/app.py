"""The Workbench: the panels of one model in tabs, with same-named sliders kept in step."""

import traitlets
import ipywidgets as W

from .panels import BifurcationPanel, FastSlowPanel, PhasePlanePanel
from .panels.base import Panel

__all__ = ["Workbench"]


class Workbench(W.VBox):
    """Panels in tabs; a parameter slider moved in one tab moves its namesakes in the others.

    Parameters
    ----------
    panels : dict
        ``{tab title: Panel}``.
    title : str, optional
        Heading above the tabs.
    link : bool, optional
        Keep controls with the same name (and the same range) in step across panels.

    Attributes
    ----------
    panels : dict
        ``{tab title: Panel}``.
    tabs : ipywidgets.Tab
    links : list of traitlets.link

    Examples
    --------
    >>> wb = Workbench.from_model(int_fhn, {'V': [-3, 3], 'w': [-3, 3]},
    ...                           pars={'Iext': (0.8, 0, 1.5), 'a': (0.7, 0.5, 1.0)},
    ...                           bifurcation={'Iext': [0, 1]})          # doctest: +SKIP
    """

    def __init__(self, panels, title=None, link=True):
        if not isinstance(panels, dict) or not panels:
            raise TypeError(f"`panels`={panels!r} must be a non-empty dict {{title: Panel}}")
        for name, panel in panels.items():
            if not isinstance(panel, Panel):
                raise TypeError(f"panel {name!r} is {type(panel).__name__}, not a widgets Panel")
        self.panels = dict(panels)
        self.tabs = W.Tab(children=list(self.panels.values()))
        for index, name in enumerate(self.panels):
            self.tabs.set_title(index, name)
        self.links = self._link_controls() if link else []
        children = [self.tabs]
        if title:
            children.insert(0, W.HTML(f"<h2 style='margin:4px 0'>{title}</h2>"))
        super().__init__(children)
        self.add_class("wb-workbench")

    def _link_controls(self):
        links = []
        first_seen = {}
        for panel in self.panels.values():
            for name, control in panel.controls.items():
                spec = panel.control_panel.specs[name]
                if name not in first_seen:
                    first_seen[name] = (control, spec)
                    continue
                other, other_spec = first_seen[name]
                if (other_spec.min, other_spec.max, other_spec.options) == \
                        (spec.min, spec.max, spec.options) and type(other) is type(control):
                    links.append(traitlets.link((other, "value"), (control, "value")))
        return links

    def wait(self, timeout=120.0):
        """Block until every panel shows its newest result.

        Parameters
        ----------
        timeout : float, optional
            Seconds per panel.

        Returns
        -------
        bool
        """
        return all(panel.wait(timeout) for panel in self.panels.values())

    @classmethod
    def from_model(cls, integrals, target_vars, pars=None, trajectory=None, duration=100.0,
                   bifurcation=None, codim2=None, fast_slow=None, fixed_vars=None,
                   pars_update=None, numerical_resolution=0.1, options=None, units=None,
                   title=None, threaded=True):
        """Phase plane, bifurcation and fast-slow tabs for one ODE model.

        Parameters
        ----------
        integrals, target_vars, pars, trajectory, duration
            As for :class:`~widgets.panels.PhasePlanePanel` (the phase-plane tab).
        bifurcation : dict, optional
            ``{par: [min, max]}``: adds a :class:`~widgets.panels.BifurcationPanel`
            along ``par`` (its slider is left out of that tab).
        codim2 : dict, optional
            ``{par: [min, max]}`` for the two-parameter view of the bifurcation tab.
        fast_slow : dict, optional
            ``{'fast_vars': ..., 'slow_vars': ..., 'trajectory': ..., 'duration': ...}``:
            adds a :class:`~widgets.panels.FastSlowPanel`.
        fixed_vars, pars_update, numerical_resolution, options, units, title, threaded
            Passed to every panel.

        Returns
        -------
        Workbench
        """
        pars = dict(pars or {})
        common = dict(fixed_vars=fixed_vars, pars_update=pars_update,
                      numerical_resolution=numerical_resolution, options=options, units=units,
                      threaded=threaded)
        panels = {}
        if len(target_vars) <= 2:
            panels["Phase plane"] = PhasePlanePanel(integrals, target_vars, pars=pars,
                                                    trajectory=trajectory, duration=duration,
                                                    **common)
        if bifurcation is not None:
            others = {k: v for k, v in pars.items() if k not in bifurcation}
            panels["Bifurcation"] = BifurcationPanel(integrals, bifurcation, target_vars,
                                                     pars=others, codim2=codim2, **common)
        if fast_slow is not None:
            spec = dict(fast_slow)
            panels["Fast-slow"] = FastSlowPanel(
                integrals, spec.pop("fast_vars"), spec.pop("slow_vars"), pars=pars,
                trajectory=spec.pop("trajectory", None), duration=spec.pop("duration", duration),
                **{**common, **spec})
        if not panels:
            raise ValueError("nothing to show: a phase plane needs one or two `target_vars`; "
                             "add `bifurcation` or `fast_slow` for the other views")
        return cls(panels, title=title)

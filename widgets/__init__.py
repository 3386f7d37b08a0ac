"""Live widget panels (ipywidgets + bqplot) over workbench's engine objects.

Panels are thin views: a slider move asks the engine for a new result (in
repeat mode, without recompiling) on a worker thread, and the renderers of
:mod:`widgets.render` update the figure's marks in place.
"""

from .app import Workbench
from .controls import ControlPanel, ControlSpec, StatusBar, as_spec, make_control
from .export import ExportBar
from .panels import (BifurcationPanel, ConnectivityPanel, FastSlowPanel, NetworkPanel, Panel,
                     PhasePlanePanel, RasterPanel, SweepPanel)
from .runner import LiveRunner, RunToken, Superseded

__all__ = ["Workbench", "ControlPanel", "ControlSpec", "StatusBar", "as_spec", "make_control", "ExportBar",
           "Panel", "PhasePlanePanel", "BifurcationPanel", "FastSlowPanel", "ConnectivityPanel",
           "NetworkPanel", "RasterPanel", "SweepPanel", "LiveRunner", "RunToken", "Superseded"]

"""Live panels: controls + one handler that asks the engine + renderers."""

from .base import Panel
from .bifurcation import BifurcationPanel
from .connectivity import ConnectivityPanel
from .fast_slow import FastSlowPanel
from .network import NetworkPanel, RasterPanel
from .phase_plane import PhasePlanePanel
from .sweep import SweepPanel

__all__ = ["Panel", "BifurcationPanel", "ConnectivityPanel", "FastSlowPanel", "PhasePlanePanel",
           "NetworkPanel", "RasterPanel", "SweepPanel"]

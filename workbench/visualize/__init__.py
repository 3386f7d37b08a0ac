"""``bp.visualize``: matplotlib drawings of simulation and analysis results.

``get_figure``, ``line_plot``, ``raster_plot`` and ``animate_1D`` follow the
BrainPy 1.0.2 manual. Renderers of analysis results (``draw_*``) live in
``visualize/analysis.py``. ``pyplot`` is imported only when something is drawn.
"""

from . import analysis
from .animation import animate_1D
from .figures import get_figure
from .plots import line_plot, raster_plot

__all__ = ["get_figure", "line_plot", "raster_plot", "animate_1D"]
